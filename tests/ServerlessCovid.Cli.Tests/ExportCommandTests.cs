namespace ServerlessCovid.Cli.Tests;

public sealed class ExportCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "export-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Export_CheckpointOfATrainingRun_WritesAPackage()
    {
        // Arrange
        string data = Path.Combine(_directory, "data");
        string run = Path.Combine(_directory, "run");
        await CovidCli.RunAsync(["synth", "--out", data, "--count", "8", "--seed", "2", "--size", "48"], TextWriter.Null, TextWriter.Null);
        await CovidCli.RunAsync(
            ["train", "--data", data, "--out", run, "--preset", "tiny", "--epochs", "1", "--batch-size", "4"], TextWriter.Null, TextWriter.Null);
        using StringWriter stdout = new();
        using StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["export", "--checkpoint", Path.Combine(run, "checkpoint"), "--out", Path.Combine(_directory, "export"), "--version", "exported"],
            stdout,
            stderr);

        // Assert
        Assert.True(exit == CovidCli.Success, stderr.ToString());
        Assert.True(File.Exists(Path.Combine(_directory, "export", "model.onnx")));
        Assert.Contains("Model exported written", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_CorruptCheckpoint_FailsWithAClearReason()
    {
        // Arrange
        string checkpoint = Path.Combine(_directory, "checkpoint");
        Directory.CreateDirectory(checkpoint);
        await File.WriteAllTextAsync(Path.Combine(checkpoint, "checkpoint.json"), "not json");
        using StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(["export", "--checkpoint", checkpoint, "--out", Path.Combine(_directory, "out")], TextWriter.Null, stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains("not a valid checkpoint", stderr.ToString(), StringComparison.Ordinal);
    }
}
