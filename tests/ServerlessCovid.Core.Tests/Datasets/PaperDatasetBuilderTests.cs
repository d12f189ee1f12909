using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Import;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Imaging;

namespace ServerlessCovid.Core.Tests.Datasets;

public sealed class PaperDatasetBuilderTests : IDisposable
{
    private readonly PublicDatasetFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Build_FixtureCopies_OneImagePerPatientBalancedWithEveryOutcomeReported()
    {
        // Arrange
        string p1a = _fixture.AddCohenRow("1", "Pneumonia/Viral/COVID-19", "PA", "X-ray", "p1-a.png");
        string p1b = _fixture.AddCohenRow("1", "Pneumonia/Viral/COVID-19", "AP", "X-ray", "p1-b.png");
        string p2 = _fixture.AddCohenRow("2", "COVID-19", "AP Supine", "X-ray", "p2.png");
        string p3 = _fixture.AddCohenRow("3", "Pneumonia/Viral/COVID-19", "AP Erect", "X-ray", "p3.png");
        string corrupt = _fixture.AddCohenRow("4", "Pneumonia/Viral/COVID-19", "PA", "X-ray", "p4.png", imageBytes: [1, 2, 3, 4]);
        string sars = _fixture.AddCohenRow("5", "Pneumonia/Viral/SARS", "PA", "X-ray", "sars.png");
        _fixture.WriteMetadata();
        string[] normals =
        [
            _fixture.AddKermanyFile("chest_xray/train/NORMAL/IM-0001-0001.jpeg"),
            _fixture.AddKermanyFile("chest_xray/train/NORMAL/IM-0002-0001.jpeg"),
            _fixture.AddKermanyFile("chest_xray/test/NORMAL/IM-0003-0001.jpeg"),
            _fixture.AddKermanyFile("chest_xray/val/NORMAL/IM-0004-0001.jpeg"),
        ];
        string pneumonia = _fixture.AddKermanyFile("chest_xray/train/PNEUMONIA/person1_virus_1.jpeg");
        string output = Path.Combine(_fixture.Root, "out");

        // Act
        DatasetBuildReport report = PaperDatasetBuilder.Build(new PaperDatasetBuildOptions
        {
            CohenDirectory = _fixture.CohenDirectory,
            KermanyDirectory = _fixture.KermanyDirectory,
            OutputDirectory = output,
            PerClass = 120,
            Seed = 7,
        });

        // Assert: 3 readable COVID patients, so 3 per class.
        Dictionary<string, string> codes = report.Outcomes.ToDictionary(o => o.Reference, o => o.Code);
        Assert.Equal(3, report.PerClassWritten);
        Assert.Equal(
            [ImportCodes.OtherImageOfPatient, ImportCodes.Selected],
            new[] { codes[p1a], codes[p1b] }.Order(StringComparer.Ordinal));
        Assert.Equal(ImportCodes.Selected, codes[p2]);
        Assert.Equal(ImportCodes.Selected, codes[p3]);
        Assert.Equal(ImportCodes.UnreadableImage, codes[corrupt]);
        Assert.Equal(ImportCodes.ExcludedFinding, codes[sars]);
        Assert.Equal(ImportCodes.NotNormal, codes[pneumonia]);
        Assert.Equal(3, normals.Count(n => codes[n] == ImportCodes.Selected));
        Assert.Equal(1, normals.Count(n => codes[n] == ImportCodes.Surplus));
        Assert.Single(report.Warnings);
        Assert.Contains(report.Problems, o => o.Reference == corrupt);

        IReadOnlyList<DatasetManifestEntry> manifest = DatasetManifest.Read(output);
        Assert.Equal(report.Entries, manifest);
        Assert.Equal(3, manifest.Count(e => e.Label == ClassNames.Covid && e.Source == CohenImporter.Source));
        Assert.Equal(3, manifest.Count(e => e.Label == ClassNames.Normal && e.Source == KermanyImporter.Source));
        Assert.Equal(3, manifest.Where(e => e.Label == ClassNames.Covid).Select(e => e.PatientId).Distinct().Count());
        Assert.All(manifest, e => Assert.True(File.Exists(Path.Combine(output, e.File)), e.File));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(output, ClassNames.Covid)).Length);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(output, ClassNames.Normal)).Length);
    }

    [Fact]
    public void Build_DicomSources_ReadByTheDicomReaderAndCopiedAsDcm()
    {
        // Arrange: DICOM on both sides, one COVID file truncated inside its pixel data.
        string c1 = _fixture.AddCohenRow("1", "COVID-19", "PA", "X-ray", "c1.dcm", imageBytes: TestDicomFiles.Covid(32));
        string c2 = _fixture.AddCohenRow("2", "COVID-19", "AP", "X-ray", "c2.dcm", imageBytes: TestDicomFiles.Covid(40));
        string truncated = _fixture.AddCohenRow("3", "COVID-19", "PA", "X-ray", "c3.dcm", imageBytes: TestDicomFiles.Covid(32)[..^200]);
        _fixture.WriteMetadata();
        string n1 = _fixture.AddKermanyFile("chest_xray/train/NORMAL/IM-0001-0001.dcm", TestDicomFiles.Normal(32));
        string n2 = _fixture.AddKermanyFile("chest_xray/test/NORMAL/IM-0002-0001.DCM", TestDicomFiles.Normal(40));
        string output = Path.Combine(_fixture.Root, "out");

        // Act
        DatasetBuildReport report = PaperDatasetBuilder.Build(new PaperDatasetBuildOptions
        {
            CohenDirectory = _fixture.CohenDirectory,
            KermanyDirectory = _fixture.KermanyDirectory,
            OutputDirectory = output,
            PerClass = 3, // more than the readable patients, so the truncated file is always tried
        });

        // Assert
        Dictionary<string, ImportOutcome> outcomes = report.Outcomes.ToDictionary(o => o.Reference);
        Assert.All(new[] { c1, c2, n1, n2 }, r => Assert.Equal(ImportCodes.Selected, outcomes[r].Code));
        Assert.Equal(ImportCodes.UnreadableImage, outcomes[truncated].Code);
        Assert.Contains("corrupt", outcomes[truncated].Reason, StringComparison.Ordinal);
        Assert.Equal(2, report.PerClassWritten);
        Assert.All(report.Entries, e => Assert.EndsWith(".dcm", e.File, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SameSeedTwice_SameSelection()
    {
        // Arrange
        for (int i = 0; i < 6; i++)
        {
            _fixture.AddCohenRow($"{i}", "COVID-19", "PA", "X-ray", $"c{i}.png");
            _fixture.AddKermanyFile($"chest_xray/train/NORMAL/IM-000{i}-0001.jpeg");
        }

        _fixture.WriteMetadata();
        PaperDatasetBuildOptions options = new()
        {
            CohenDirectory = _fixture.CohenDirectory,
            KermanyDirectory = _fixture.KermanyDirectory,
            OutputDirectory = Path.Combine(_fixture.Root, "a"),
            PerClass = 3,
            Seed = 1,
        };

        // Act
        DatasetBuildReport first = PaperDatasetBuilder.Build(options);
        DatasetBuildReport second = PaperDatasetBuilder.Build(options with { OutputDirectory = Path.Combine(_fixture.Root, "b") });

        // Assert
        Assert.Equal(first.Entries, second.Entries);
        Assert.Equal(6, first.Entries.Count);
        Assert.Empty(first.Warnings);
        Assert.Equal(6, first.Outcomes.Count(o => o.Code == ImportCodes.Surplus));
    }
}
