namespace ServerlessCovid.Cli.Tests;

public sealed class BenchTrainCommandTests
{
    [Fact]
    public async Task BenchTrain_TinyNetworkOneStep_PrintsThroughputAndInferenceTime()
    {
        // Arrange
        using StringWriter stdout = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["bench", "train", "--tiny", "--batch-sizes", "2", "--steps", "1", "--inference-runs", "1"], stdout, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        Assert.Contains("train batch   2:", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("inference batch   1:", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchTrain_MalformedBatchSizes_IsAUsageError()
    {
        // Act
        int exit = await CovidCli.RunAsync(["bench", "train", "--tiny", "--batch-sizes", "8,x"], TextWriter.Null, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.UsageError, exit);
    }
}
