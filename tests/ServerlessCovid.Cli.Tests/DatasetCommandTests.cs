using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Tests;

public sealed class DatasetCommandTests : IDisposable
{
    private const string CohenHeader =
        "patientid,offset,sex,age,finding,RT_PCR_positive,survival,intubated,intubation_present,went_icu,in_icu,"
        + "needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,neutrophil_count,lymphocyte_count,"
        + "view,modality,date,location,folder,filename,doi,url,license,clinical_notes,other_notes,";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "dataset-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task DatasetBuild_FixtureSources_WritesBalancedDatasetAndReportsProblems()
    {
        // Arrange
        string cohen = Path.Combine(_root, "cohen");
        string kermany = Path.Combine(_root, "kermany");
        string output = Path.Combine(_root, "out");
        Directory.CreateDirectory(Path.Combine(cohen, "images"));
        File.WriteAllText(Path.Combine(cohen, "metadata.csv"), string.Join('\n',
            CohenHeader,
            Row("1", "Pneumonia/Viral/COVID-19", "PA", "a.png"),
            Row("2", "COVID-19", "AP", "b.png"),
            Row("3", "Pneumonia/Viral/COVID-19", "PA", "missing.png"),
            Row("4", "Pneumonia/Viral/SARS", "PA", "sars.png")) + "\n");
        File.WriteAllBytes(Path.Combine(cohen, "images", "a.png"), SyntheticXrayGenerator.Generate(1, 1, 32).EncodePng());
        File.WriteAllBytes(Path.Combine(cohen, "images", "b.png"), SyntheticXrayGenerator.Generate(1, 3, 32).EncodePng());
        string normals = Path.Combine(kermany, "chest_xray", "chest_xray", "train", "NORMAL");
        Directory.CreateDirectory(normals);
        for (int i = 0; i < 3; i++)
        {
            File.WriteAllBytes(Path.Combine(normals, $"IM-000{i}-0001.png"), SyntheticXrayGenerator.Generate(1, i * 2, 32).EncodePng());
        }

        using StringWriter stdout = new();
        using StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["dataset", "build", "--cohen", cohen, "--kermany", kermany, "--out", output, "--per-class", "120", "--seed", "5"], stdout, stderr);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        IReadOnlyList<DatasetManifestEntry> manifest = DatasetManifest.Read(output);
        Assert.Equal(2, manifest.Count(e => e.Label == ClassNames.Covid));
        Assert.Equal(2, manifest.Count(e => e.Label == ClassNames.Normal));
        Assert.Contains("missing_file: cohen metadata.csv:4", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("warning: Only 2 images per class", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("excluded_finding", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatasetBuild_NotACohenCopy_FailsWithReason()
    {
        // Arrange
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        using StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["dataset", "build", "--cohen", Path.Combine(_root, "empty"), "--kermany", _root, "--out", Path.Combine(_root, "out")],
            TextWriter.Null, stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains("metadata.csv is missing", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatasetBuild_MissingRequiredOption_UsageError()
    {
        // Act
        int exit = await CovidCli.RunAsync(["dataset", "build", "--cohen", _root], TextWriter.Null, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.UsageError, exit);
    }

    private static string Row(string patient, string finding, string view, string file)
    {
        string[] fields = new string[CohenHeader.Split(',').Length];
        Array.Fill(fields, string.Empty);
        string[] columns = CohenHeader.Split(',');
        fields[Array.IndexOf(columns, "patientid")] = patient;
        fields[Array.IndexOf(columns, "finding")] = finding;
        fields[Array.IndexOf(columns, "view")] = view;
        fields[Array.IndexOf(columns, "modality")] = "X-ray";
        fields[Array.IndexOf(columns, "folder")] = "images";
        fields[Array.IndexOf(columns, "filename")] = file;
        return string.Join(',', fields);
    }
}
