using System.Text.Json;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Cli.Tests;

public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sc-evaluate-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_LabelledFolder_WritesReportAndPrintsJsonSummary()
    {
        // Arrange: the tiny model calls an image COVID when its red channel is brighter than its green one.
        string model = WriteModel();
        string data = Path.Combine(_root, "data");
        for (int i = 0; i < 6; i++)
        {
            WriteImage(data, "covid", $"c{i}.png", new Rgb24((byte)(150 + (10 * i)), 90, 60));
            WriteImage(data, "normal", $"n{i}.png", new Rgb24(80, (byte)(140 + (10 * i)), 60));
        }

        WriteImage(data, "covid", "looks-normal.png", new Rgb24(90, 120, 60));
        File.WriteAllText(Path.Combine(data, "normal", "broken.png"), "not an image");
        string output = Path.Combine(_root, "report");
        StringWriter stdout = new();
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["evaluate", "--model", model, "--data", data, "--out", output, "--bootstrap", "200", "--json"], stdout, stderr);

        // Assert
        Assert.True(exit == CovidCli.Success, stderr.ToString());
        using JsonDocument summary = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(13, summary.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(1, summary.RootElement.GetProperty("rejected").GetInt32());
        Assert.Equal(12.0 / 13, summary.RootElement.GetProperty("accuracy").GetDouble(), 1e-9);
        Assert.True(File.Exists(Path.Combine(output, EvaluationReportWriter.HtmlFileName)));
        using JsonDocument metrics = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, EvaluationReportWriter.MetricsFileName)));
        Assert.Equal("normal/broken.png", metrics.RootElement.GetProperty("rejectedImages")[0].GetProperty("path").GetString());
        Assert.Equal("test-eval", metrics.RootElement.GetProperty("model").GetProperty("version").GetString());
        Assert.True(File.Exists(Path.Combine(output, "fig09-roc.png")));

        // The gallery thumbnails the COVID image the model calls normal, under its own name.
        string html = await File.ReadAllTextAsync(Path.Combine(output, EvaluationReportWriter.HtmlFileName));
        Assert.Contains("<figcaption>looks-normal.png<br>true covid", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DicomFilesWithAndWithoutExtension_ScoredAndAudited()
    {
        // Arrange: PNGs, plus a .dcm COVID image and an extension-less DICOM normal image as PACS exports name them.
        string model = WriteModel();
        string data = Path.Combine(_root, "data");
        for (int i = 0; i < 3; i++)
        {
            WriteImage(data, "covid", $"c{i}.png", new Rgb24((byte)(150 + (10 * i)), 90, 60));
            WriteImage(data, "normal", $"n{i}.png", new Rgb24(80, (byte)(140 + (10 * i)), 60));
        }

        await File.WriteAllBytesAsync(Path.Combine(data, "covid", "study.dcm"), ServerlessCovid.Testing.Imaging.TestDicomFiles.Covid());
        await File.WriteAllBytesAsync(Path.Combine(data, "normal", "IM000001"), ServerlessCovid.Testing.Imaging.TestDicomFiles.Normal());
        string output = Path.Combine(_root, "report");
        StringWriter stdout = new();
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["evaluate", "--model", model, "--data", data, "--out", output, "--bootstrap", "200", "--json"], stdout, stderr);

        // Assert: both DICOM files scored (8 samples, none refused) and right.
        Assert.True(exit == CovidCli.Success, stderr.ToString());
        using JsonDocument summary = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(8, summary.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("rejected").GetInt32());
        Assert.Equal(1.0, summary.RootElement.GetProperty("accuracy").GetDouble(), 1e-9);
    }

    [Fact]
    public async Task RunAsync_MissingModelOption_ReturnsUsageError()
    {
        // Arrange
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(["evaluate", "--data", _root, "--out", _root], new StringWriter(), stderr);

        // Assert
        Assert.Equal(CovidCli.UsageError, exit);
        Assert.Contains("--model", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NotAModelPackage_ReturnsFailureWithReason()
    {
        // Arrange
        Directory.CreateDirectory(_root);
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(["evaluate", "--model", _root, "--data", _root, "--out", _root], new StringWriter(), stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains("is not a model package", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnknownClassFolder_ReturnsFailureNamingIt()
    {
        // Arrange
        string model = WriteModel();
        string data = Path.Combine(_root, "data");
        WriteImage(data, "covid", "c.png", new Rgb24(200, 50, 50));
        WriteImage(data, "pneumonia", "p.png", new Rgb24(200, 50, 50));
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["evaluate", "--model", model, "--data", data, "--out", Path.Combine(_root, "out")], new StringWriter(), stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains("'pneumonia'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ManifestWithOneSourcePerClass_AuditWarnsOfSourceConfounding()
    {
        // Arrange: a dataset as `covid dataset build` writes it, every covid image from one source, every normal from another.
        string model = WriteModel();
        string data = Path.Combine(_root, "data");
        List<DatasetManifestEntry> entries = [];
        for (int i = 0; i < 6; i++)
        {
            WriteImage(data, "covid", $"c{i}.png", new Rgb24((byte)(150 + (10 * i)), 90, 60));
            WriteImage(data, "normal", $"n{i}.png", new Rgb24(80, (byte)(140 + (10 * i)), 60));
            entries.Add(new DatasetManifestEntry($"covid/c{i}.png", "covid", "cohen", $"pc{i}", string.Empty, string.Empty));
            entries.Add(new DatasetManifestEntry($"normal/n{i}.png", "normal", "kermany", $"pn{i}", string.Empty, string.Empty));
        }

        DatasetManifest.Write(data, entries);
        StringWriter stdout = new();
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["evaluate", "--model", model, "--data", data, "--out", Path.Combine(_root, "report"), "--bootstrap", "200", "--json",
             "--set", "Inference:ExecutionProvider=cpu"], stdout, stderr);

        // Assert
        Assert.True(exit == CovidCli.Success, stderr.ToString());
        using JsonDocument summary = JsonDocument.Parse(stdout.ToString());
        string[] warnings = [.. summary.RootElement.GetProperty("auditWarnings").EnumerateArray().Select(w => w.GetString()!)];
        Assert.Contains(AuditWarningCodes.ClassSourceConfounding, warnings);
        Assert.DoesNotContain(AuditWarningCodes.NoSourceInformation, warnings);
        Assert.DoesNotContain(AuditWarningCodes.NoGroupInformation, warnings);
    }

    [Fact]
    public async Task RunAsync_InvalidSetting_FailsNamingIt()
    {
        // Arrange: --set reaches evaluate's inference settings (it used to build an empty configuration).
        string model = WriteModel();
        string data = Path.Combine(_root, "data");
        WriteImage(data, "covid", "c.png", new Rgb24(200, 90, 60));
        WriteImage(data, "normal", "n.png", new Rgb24(80, 200, 60));
        StringWriter stdout = new();
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["evaluate", "--model", model, "--data", data, "--out", Path.Combine(_root, "report"), "--set", "Inference:MaxBatchSize=0"],
            stdout, stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains("MaxBatchSize", stderr.ToString(), StringComparison.Ordinal);
    }

    private string WriteModel()
    {
        string directory = Path.Combine(_root, "model");
        ModelManifest manifest = new()
        {
            Version = "test-eval",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = 0.5,
        };
        ModelPackage.Create(manifest, TinyOnnxModels.ChannelContrastClassifier()).SaveToDirectory(directory);
        return directory;
    }

    private static void WriteImage(string data, string label, string name, Rgb24 colour)
    {
        string folder = Path.Combine(data, label);
        Directory.CreateDirectory(folder);
        using Image<Rgb24> image = new(40, 32, colour);
        image.SaveAsPng(Path.Combine(folder, name));
    }
}
