using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Import;

namespace ServerlessCovid.Core.Tests.Datasets;

public sealed class KermanyImporterTests : IDisposable
{
    private readonly PublicDatasetFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Theory]
    [InlineData("chest_xray")]
    [InlineData("chest_xray/chest_xray")]
    public void Scan_EitherNesting_KeepsNormalsAndSaysWhyForTheRest(string prefix)
    {
        // Arrange
        Dictionary<string, string> expected = new()
        {
            [_fixture.AddKermanyFile($"{prefix}/train/NORMAL/IM-0001-0001.jpeg")] = ImportCodes.Eligible,
            [_fixture.AddKermanyFile($"{prefix}/train/NORMAL/NORMAL2-IM-0002-0001.jpeg")] = ImportCodes.Eligible,
            [_fixture.AddKermanyFile($"{prefix}/test/NORMAL/IM-0003-0001.jpeg")] = ImportCodes.Eligible,
            [_fixture.AddKermanyFile($"{prefix}/val/NORMAL/IM-0004-0001.png")] = ImportCodes.Eligible,
            [_fixture.AddKermanyFile($"{prefix}/train/NORMAL/.DS_Store", [0, 1, 2])] = ImportCodes.UnsupportedFile,
            [_fixture.AddKermanyFile($"{prefix}/train/PNEUMONIA/person1_bacteria_1.jpeg")] = ImportCodes.NotNormal,
            [_fixture.AddKermanyFile($"{prefix}/test/PNEUMONIA/person2_virus_3.jpeg")] = ImportCodes.NotNormal,
            [_fixture.AddKermanyFile($"{prefix}/train/COVID/x.jpeg")] = ImportCodes.UnknownLabel,
        };

        // Act
        ImportScan scan = KermanyImporter.Scan(_fixture.KermanyDirectory);

        // Assert
        Assert.Equal(expected, scan.Outcomes.ToDictionary(o => o.Reference, o => o.Code));
        Assert.Equal(["IM-0001", "IM-0003", "IM-0004", "NORMAL2-IM-0002"], scan.Candidates.Select(c => c.PatientId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Scan_BothCopiesPresent_ReadsOuterAndReportsNestedDuplicate()
    {
        // Arrange
        _fixture.AddKermanyFile("chest_xray/train/NORMAL/IM-0001-0001.jpeg");
        _fixture.AddKermanyFile("chest_xray/chest_xray/train/NORMAL/IM-0001-0001.jpeg");

        // Act
        ImportScan scan = KermanyImporter.Scan(_fixture.KermanyDirectory);

        // Assert
        Assert.Equal("chest_xray/train/NORMAL/IM-0001-0001.jpeg", Assert.Single(scan.Candidates).Reference);
        Assert.Equal(ImportCodes.DuplicateCopy, scan.Outcomes.Single(o => o.Reference == Path.Combine("chest_xray", "chest_xray")).Code);
    }

    [Fact]
    public void Scan_NotAKermanyCopy_ThrowsInvalidDatasetWithReason()
    {
        // Arrange
        Directory.CreateDirectory(_fixture.KermanyDirectory);

        // Act
        DatasetFormatException error = Assert.Throws<DatasetFormatException>(() => KermanyImporter.Scan(_fixture.KermanyDirectory));

        // Assert
        Assert.Contains("no train/", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IM-0115-0001", "IM-0115")]
    [InlineData("NORMAL2-IM-1427-0001", "NORMAL2-IM-1427")]
    [InlineData("person1_bacteria_1", "person1")]
    [InlineData("person1000_virus_1681", "person1000")]
    [InlineData("odd", "odd")]
    public void PatientIdOf_KermanyFileName_PatientPart(string fileName, string expected)
    {
        Assert.Equal(expected, KermanyImporter.PatientIdOf(fileName));
    }
}
