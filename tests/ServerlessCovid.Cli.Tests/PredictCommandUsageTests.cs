namespace ServerlessCovid.Cli.Tests;

public sealed class PredictCommandUsageTests
{
    [Fact]
    public async Task Predict_NoFiles_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", ".");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("Required argument missing", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_ModelAndStorageTogether_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", ".", "--storage", "UseDevelopmentStorage=true", "a.png");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("either --model DIR or --storage CONN", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_VersionWithModelFolder_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", ".", "--version", "v1", "a.png");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("--version", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("many")]
    public async Task Predict_InvalidBatchSize_ReturnsUsageError(string batchSize)
    {
        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", ".", "--batch-size", batchSize, "a.png");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("--batch-size", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_MissingModelFolder_FailsWithReason()
    {
        // Arrange
        string missing = Path.Combine(Path.GetTempPath(), "covid-no-such-model-" + Guid.NewGuid().ToString("N"));

        // Act
        CliRun run = await CliRunner.RunAsync("predict", "--model", missing, "a.png");

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Predict_FolderThatIsNotAPackage_FailsWithReason()
    {
        // Arrange
        DirectoryInfo empty = Directory.CreateTempSubdirectory("covid-empty-model-");

        try
        {
            // Act
            CliRun run = await CliRunner.RunAsync("predict", "--model", empty.FullName, "a.png");

            // Assert
            Assert.Equal(CovidCli.Failure, run.ExitCode);
            Assert.Contains("is not a model package", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
