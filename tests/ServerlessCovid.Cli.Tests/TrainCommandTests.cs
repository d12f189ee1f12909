using System.Text.Json;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "train-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Train_TinyPresetGroupSplitOnSyntheticData_WritesHistoryCheckpointAndVerifiedPackage()
    {
        // Arrange
        string data = Path.Combine(_directory, "data");
        string output = Path.Combine(_directory, "run");
        Assert.Equal(CovidCli.Success, await CovidCli.RunAsync(
            ["synth", "--out", data, "--count", "12", "--seed", "5", "--size", "64"], TextWriter.Null, TextWriter.Null));
        using StringWriter stdout = new();
        using StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["train", "--data", data, "--out", output, "--preset", "tiny", "--epochs", "1", "--batch-size", "4", "--seed", "3",
                "--split-by-group", "--version", "cli-test"],
            stdout,
            stderr);

        // Assert
        Assert.True(exit == CovidCli.Success, stderr.ToString());
        Assert.Contains("Epoch 1/1", stdout.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "history.json")));
        Assert.True(File.Exists(Path.Combine(output, "checkpoint", "checkpoint.json")));
        ModelPackage package = ModelPackage.LoadFromDirectory(Path.Combine(output, "model"));
        Assert.Equal("cli-test", package.Manifest.Version);
        Assert.True(package.Manifest.Parity!.Passed);
        Assert.Equal("tiny", package.Manifest.Training!.Preset);
        string report = Path.Combine(output, "report");
        Assert.Contains("not for clinical use", File.ReadAllText(Path.Combine(report, "report.html")), StringComparison.OrdinalIgnoreCase);
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json")));
        Assert.Equal("cli-test", metrics.RootElement.GetProperty("model").GetProperty("version").GetString());
        Assert.Contains("Report: ", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_MissingClassFolder_FailsWithTheReason()
    {
        // Arrange
        Directory.CreateDirectory(Path.Combine(_directory, "data", "covid"));
        using StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["train", "--data", Path.Combine(_directory, "data"), "--out", Path.Combine(_directory, "run"), "--preset", "tiny"],
            TextWriter.Null,
            stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains("'normal/'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_UnknownPreset_IsAUsageError()
    {
        // Act
        int exit = await CovidCli.RunAsync(
            ["train", "--data", _directory, "--out", _directory, "--preset", "imagenet"], TextWriter.Null, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.UsageError, exit);
    }
}
