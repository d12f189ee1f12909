using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Import;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Datasets;

public sealed class CohenImporterTests : IDisposable
{
    private readonly PublicDatasetFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Scan_MixOfFindingsViewsAndModalities_KeepsExactlyFrontalCovidXrays()
    {
        // Arrange
        Dictionary<string, string> expected = new()
        {
            [_fixture.AddCohenRow("1", "Pneumonia/Viral/COVID-19", "PA", "X-ray", "p1-a.png")] = ImportCodes.Eligible,
            [_fixture.AddCohenRow("1", "Pneumonia/Viral/COVID-19", "AP", "X-ray", "p1-b.jpg")] = ImportCodes.Eligible,
            [_fixture.AddCohenRow("2", "COVID-19", "AP Supine", "X-ray", "p2.png")] = ImportCodes.Eligible,
            [_fixture.AddCohenRow("3", "Pneumonia/Viral/COVID-19", "AP Erect", "X-ray", "p3.png",
                notes: "Fever, cough \"since Monday\",\nbilateral GGO on day 4")] = ImportCodes.Eligible,
            [_fixture.AddCohenRow("4", "Pneumonia/Viral/SARS", "PA", "X-ray", "sars.png")] = ImportCodes.ExcludedFinding,
            [_fixture.AddCohenRow("5", "Pneumonia/Viral/MERS-CoV", "PA", "X-ray", "mers.png")] = ImportCodes.ExcludedFinding,
            [_fixture.AddCohenRow("6", "COVID-19, ARDS", "PA", "X-ray", "ards.png")] = ImportCodes.ExcludedFinding,
            [_fixture.AddCohenRow("7", "ARDS", "AP", "X-ray", "ards-only.png")] = ImportCodes.ExcludedFinding,
            [_fixture.AddCohenRow("8", "Pneumonia/Bacterial/Streptococcus", "PA", "X-ray", "strep.png")] = ImportCodes.NotCovid,
            [_fixture.AddCohenRow("9", "No Finding", "PA", "X-ray", "clear.png")] = ImportCodes.NotCovid,
            [_fixture.AddCohenRow("10", "Tuberculosis", "PA", "X-ray", "tb.png")] = ImportCodes.NotCovid,
            [_fixture.AddCohenRow("11", "todo", "PA", "X-ray", "todo.png")] = ImportCodes.UnknownLabel,
            [_fixture.AddCohenRow("12", "", "PA", "X-ray", "blank.png")] = ImportCodes.UnknownLabel,
            [_fixture.AddCohenRow("13", "Pneumonia/Viral/COVID-19", "Axial", "CT", "ct.png")] = ImportCodes.NotXray,
            [_fixture.AddCohenRow("14", "Pneumonia/Viral/COVID-19", "L", "X-ray", "lateral.png")] = ImportCodes.NotFrontalView,
            [_fixture.AddCohenRow("15", "Pneumonia/Viral/COVID-19", "PA", "X-ray", "gone.png", writeImage: false)] = ImportCodes.MissingFile,
            [_fixture.AddRawCohenLine("16,0,F")] = ImportCodes.UnreadableRow,
            [_fixture.AddCohenRow("17", "Pneumonia/Viral/COVID-19", "ap  erect", "x-ray", "p17.png")] = ImportCodes.Eligible,
        };
        _fixture.WriteMetadata();

        // Act
        ImportScan scan = CohenImporter.Scan(_fixture.CohenDirectory);

        // Assert
        Assert.Equal(expected, scan.Outcomes.ToDictionary(o => o.Reference, o => o.Code));
        Assert.All(scan.Candidates, c => Assert.Equal(ClassNames.Covid, c.Label));
        Assert.Equal(["1", "1", "2", "3", "17"], scan.Candidates.Select(c => c.PatientId));
        Assert.Equal("images/p1-a.png", scan.Candidates[0].OriginalPath);
        Assert.Contains("MERS-CoV", scan.Outcomes.Single(o => o.Reason.StartsWith("mers.png", StringComparison.Ordinal)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_UnterminatedQuote_ReportedAsUnreadableRowAndOthersKept()
    {
        // Arrange
        string kept = _fixture.AddCohenRow("1", "COVID-19", "PA", "X-ray", "ok.png");
        string broken = _fixture.AddRawCohenLine("2,0,M,50,COVID-19,,,,,,,,,,,,,,PA,X-ray,,,images,x.png,,,,\"never closed,,");
        _fixture.WriteMetadata();

        // Act
        ImportScan scan = CohenImporter.Scan(_fixture.CohenDirectory);

        // Assert
        Assert.Equal(ImportCodes.Eligible, scan.Outcomes.Single(o => o.Reference == kept).Code);
        ImportOutcome error = scan.Outcomes.Single(o => o.Reference == broken);
        Assert.Equal(ImportCodes.UnreadableRow, error.Code);
        Assert.Contains("never closed", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_NoMetadata_ThrowsInvalidDatasetWithReason()
    {
        // Act
        DatasetFormatException error = Assert.Throws<DatasetFormatException>(() => CohenImporter.Scan(_fixture.CohenDirectory));

        // Assert
        Assert.Contains("metadata.csv is missing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Pneumonia/Viral/COVID-19", "X-ray", "PA", ImportCodes.Eligible)]
    [InlineData("COVID-19", "X-ray", "AP Supine", ImportCodes.Eligible)]
    [InlineData("Pneumonia/Viral/SARS", "X-ray", "PA", ImportCodes.ExcludedFinding)]
    [InlineData("Pneumonia/Viral/COVID-19", "CT", "PA", ImportCodes.NotXray)]
    [InlineData("Pneumonia/Viral/COVID-19", "X-ray", "L", ImportCodes.NotFrontalView)]
    [InlineData("Unknown", "X-ray", "PA", ImportCodes.UnknownLabel)]
    [InlineData("Pneumonia/Viral/Influenza", "X-ray", "PA", ImportCodes.NotCovid)]
    public void Classify_FindingModalityView_ExpectedCode(string finding, string modality, string view, string expected)
    {
        // Act
        (string code, string reason) = CohenImporter.Classify(finding, modality, view);

        // Assert
        Assert.Equal(expected, code);
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }
}
