using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Imaging;
using ServerlessCovid.Testing.Storage;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// <c>covid predict</c> with real ONNX Runtime sessions on the channel-contrast test model: red images are "covid",
/// green ones "normal", so every expected label is known without a trained network.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class PredictCommandTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("covid-predict-");

    [Fact]
    public async Task Predict_ModelFolderAndGoodImages_JsonHasLabelProbabilitiesThresholdAndVersion()
    {
        // Arrange
        string model = SavePackage("v3", threshold: 0.5);
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));
        string green = SaveImage("green.png", new Rgb24(40, 220, 40));

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--json", red, green);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal("v3", json.RootElement.GetProperty("model").GetProperty("version").GetString());
        JsonElement[] results = [.. json.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal(2, results.Length);
        Assert.Equal(red, results[0].GetProperty("file").GetString());
        Assert.Equal(ClassNames.Covid, results[0].GetProperty("label").GetString());
        Assert.Equal(ClassNames.Normal, results[1].GetProperty("label").GetString());
        Assert.All(results, r =>
        {
            Assert.Equal(0.5, r.GetProperty("threshold").GetDouble());
            Assert.Equal("v3", r.GetProperty("modelVersion").GetString());
            double sum = r.GetProperty("probabilities").GetProperty(ClassNames.Covid).GetDouble()
                + r.GetProperty("probabilities").GetProperty(ClassNames.Normal).GetDouble();
            Assert.Equal(1.0, sum, 5);
            Assert.False(r.TryGetProperty("error", out _));
        });
        Assert.True(results[0].GetProperty("probabilities").GetProperty(ClassNames.Covid).GetDouble() > 0.9);
    }

    [Fact]
    public async Task Predict_FormatCsv_OneRecordPerFileWithErrorsInTheirOwnColumns()
    {
        // Arrange
        string model = SavePackage("v4", threshold: 0.5);
        string red = SaveImage("red, left.png", new Rgb24(220, 40, 40));
        string missing = Path.Combine(_work.FullName, "missing.png");

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--format", "csv", red, missing);

        // Assert: exit 1 because one file failed, as with the table.
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        string[] records = run.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "file,label,covidProbability,normalProbability,threshold,modelVersion,errorCode,errorReason,"
            + "modality,viewPosition,photometricInterpretation,transferSyntaxUid,sopInstanceUidHash",
            records[0]);
        Assert.Equal(3, records.Length);
        Assert.StartsWith("\"" + red + "\",covid,", records[1], StringComparison.Ordinal);
        Assert.EndsWith(",0.5,v4,,,,,,,", records[1], StringComparison.Ordinal);
        Assert.StartsWith(missing + ",,,,,,", records[2], StringComparison.Ordinal);
        Assert.Contains(Disclaimers.ResearchOnly, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_DicomAndPng_JsonCarriesAcquisitionOnlyForDicomAndNoPatientValue()
    {
        // Arrange
        string model = SavePackage("v5", threshold: 0.5);
        string dicom = Path.Combine(_work.FullName, "IM000001");
        await File.WriteAllBytesAsync(dicom, TestDicomFiles.Covid());
        string png = SaveImage("green.png", new Rgb24(40, 220, 40));

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--json", dicom, png);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement[] results = [.. json.RootElement.GetProperty("results").EnumerateArray()];
        JsonElement acquisition = results[0].GetProperty("dicom");
        Assert.Equal(
            ("DX", "PA", "RGB", "1.2.840.10008.1.2.1"),
            (acquisition.GetProperty("modality").GetString(), acquisition.GetProperty("viewPosition").GetString(),
                acquisition.GetProperty("photometricInterpretation").GetString(), acquisition.GetProperty("transferSyntaxUid").GetString()));
        Assert.False(results[1].TryGetProperty("dicom", out _));
        Assert.All(TestDicomFiles.PatientValues, value => Assert.DoesNotContain(value, run.Output + run.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Predict_ManifestSaysModelDoesNotDiscriminate_WarnsOnStderrAndStillScores()
    {
        // Arrange: the demo's broken export, as its manifest recorded it.
        string model = SavePackage("chance", evaluation: new ModelEvaluationSummary
        {
            Accuracy = 0.47, PositiveClassAuc = 0.445, PositiveClassAucLowerBound = 0.396, PositiveClassAucUpperBound = 0.491, Samples = 600,
        });
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--json", red);

        // Assert: stdout stays valid JSON; the warning is on stderr.
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Single(json.RootElement.GetProperty("results").EnumerateArray());
        Assert.Contains("warning: model chance", run.Error, StringComparison.Ordinal);
        Assert.Contains("does not discriminate covid: do not use", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.81)]
    [InlineData(null)]
    public async Task Predict_ManifestShowsDiscriminationOrNoInterval_NoWarning(double? lowerBound)
    {
        // Arrange: a bound above chance, or an older manifest without one (which says nothing either way).
        string model = SavePackage("fine", evaluation: new ModelEvaluationSummary
        {
            Accuracy = 0.9, PositiveClassAuc = 0.95, PositiveClassAucLowerBound = lowerBound, Samples = 20,
        });
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, red);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("1 scored, 0 failed with model fine", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("does not discriminate", run.Error + run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_BadAndMissingFilesInBatch_ScoresTheRestAndExitsOne()
    {
        // Arrange
        string model = SavePackage("v1");
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));
        string notAnImage = Path.Combine(_work.FullName, "notes.png");
        await File.WriteAllTextAsync(notAnImage, "this is not an x-ray");
        string missing = Path.Combine(_work.FullName, "missing.png");

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--json", notAnImage, missing, red);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement[] results = [.. json.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal(3, results.Length);
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, results[0].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("not_found", results[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(ClassNames.Covid, results[2].GetProperty("label").GetString());
    }

    [Fact]
    public async Task Predict_DeviceAndOversizeFilesInBatch_RefusedWithCodesWithoutLoadingAndTheRestScored()
    {
        // Arrange: /dev/zero (a device whose length is 0) and a sparse 1 GiB file, around one good image.
        string model = SavePackage("v1");
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));
        string huge = Path.Combine(_work.FullName, "huge.png");
        using (FileStream sparse = File.Create(huge))
        {
            sparse.SetLength(1L << 30);
        }

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--json", "/dev/zero", huge, red);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement[] results = [.. json.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal(3, results.Length);
        Assert.Equal("not_regular_file", results[0].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(ImageErrorCodes.TooLarge, results[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(ClassNames.Covid, results[2].GetProperty("label").GetString());
    }

    [Fact]
    public async Task Predict_FolderArgument_ScoresEveryImageInItAsATable()
    {
        // Arrange
        string model = SavePackage("v2", threshold: 0.7);
        SaveImage("a.png", new Rgb24(220, 40, 40));
        SaveImage("b.jpg", new Rgb24(40, 220, 40));
        await File.WriteAllTextAsync(Path.Combine(_work.FullName, "readme.txt"), "not picked up");

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, _work.FullName);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("a.png", run.Output, StringComparison.Ordinal);
        Assert.Contains("b.jpg", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("readme.txt", run.Output, StringComparison.Ordinal);
        Assert.Contains("2 scored, 0 failed with model v2", run.Output, StringComparison.Ordinal);
        Assert.Contains("P(covid) >= 0.7", run.Output, StringComparison.Ordinal);
        Assert.Contains(Disclaimers.ResearchOnly, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_DatasetFolderWithClassSubfolders_ScoresImagesInEverySubfolder()
    {
        // Arrange: the layout of `covid synth` and `covid dataset build`.
        string model = SavePackage("v3");
        Directory.CreateDirectory(Path.Combine(_work.FullName, "data", "covid"));
        Directory.CreateDirectory(Path.Combine(_work.FullName, "data", "normal"));
        SaveImage(Path.Combine("data", "covid", "c1.png"), new Rgb24(220, 40, 40));
        SaveImage(Path.Combine("data", "normal", "n1.png"), new Rgb24(40, 220, 40));

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, Path.Combine(_work.FullName, "data"));

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("c1.png", run.Output, StringComparison.Ordinal);
        Assert.Contains("n1.png", run.Output, StringComparison.Ordinal);
        Assert.Contains("2 scored, 0 failed with model v3", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_EmptyFolder_FailsNamingTheFolder()
    {
        // Arrange
        string model = SavePackage("v4");
        string empty = Directory.CreateDirectory(Path.Combine(_work.FullName, "empty", "covid")).Parent!.FullName;

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, empty);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Contains($"Folder '{empty}' holds no images", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("0 scored", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_Storage_UsesTheServedModelOrTheNamedVersion()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry registry = new(
            azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
        CurrentModelPointer first = await registry.PublishAsync(TestPackages.Create("v1"), null, null);
        await registry.PublishAsync(TestPackages.Create("v2"), null, first.ETag);
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));

        // Act
        CliRun served = await CliRunner.RunAsync(["predict", "--json", red, .. StorageCliArguments.For(azurite, options)]);
        CliRun named = await CliRunner.RunAsync(["predict", "--json", "--version", "v1", red, .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, served.ExitCode);
        Assert.Equal(CovidCli.Success, named.ExitCode);
        using JsonDocument servedJson = JsonDocument.Parse(served.Output);
        using JsonDocument namedJson = JsonDocument.Parse(named.Output);
        Assert.Equal("v2", servedJson.RootElement.GetProperty("model").GetProperty("version").GetString());
        Assert.Equal("v1", namedJson.RootElement.GetProperty("model").GetProperty("version").GetString());
    }

    [Fact]
    public async Task Predict_StorageWithNothingPublished_FailsWithReason()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));

        // Act
        CliRun run = await CliRunner.RunAsync(["predict", red, .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Contains("No model is published", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Predict_HeatMapsWithCamModel_WritesOneOverlayPngPerScoredFile()
    {
        // Arrange
        string model = SavePackage("v-cam", withCam: true);
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));
        string green = SaveImage("green.png", new Rgb24(40, 220, 40));
        string missing = Path.Combine(_work.FullName, "missing.png");
        string heatMaps = Path.Combine(_work.FullName, "heatmaps");

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--heatmaps", heatMaps, "--format", "csv", red, green, missing);

        // Assert: the unreadable file gets its error row and no heat map; the other two get theirs.
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Equal(["green.heatmap.png", "red.heatmap.png"], Directory.GetFiles(heatMaps).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using Image<Rgb24> overlay = Image.Load<Rgb24>(Path.Combine(heatMaps, "red.heatmap.png"));
        Assert.Equal((Core.Explainability.HeatMapOverlay.Width, Core.Explainability.HeatMapOverlay.Height), (overlay.Width, overlay.Height));
    }

    [Fact]
    public async Task Predict_HeatMapsWithModelWithoutCam_WritesNoneAndWarns()
    {
        // Arrange
        string model = SavePackage("v-old");
        string red = SaveImage("red.png", new Rgb24(220, 40, 40));
        string heatMaps = Path.Combine(_work.FullName, "heatmaps");

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", model, "--heatmaps", heatMaps, "--format", "csv", red);

        // Assert: it still scores; only the heat map is missing, and stderr says why.
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.False(Directory.Exists(heatMaps) && Directory.EnumerateFiles(heatMaps).Any());
        Assert.Contains("no class activation map output", run.Error, StringComparison.Ordinal);
    }

    private string SavePackage(string version, double threshold = 0.5, ModelEvaluationSummary? evaluation = null, bool withCam = false)
    {
        string directory = Path.Combine(_work.FullName, "model-" + version);
        TestPackages.Create(version, threshold, evaluation, withCam).SaveToDirectory(directory);
        return directory;
    }

    private string SaveImage(string name, Rgb24 colour)
    {
        string path = Path.Combine(_work.FullName, name);
        using Image<Rgb24> image = new(64, 48, colour);
        image.Save(path);
        return path;
    }
}
