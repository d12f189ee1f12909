namespace ServerlessCovid.Cli.Tests;

public sealed class DemoCommandUsageTests
{
    [Theory]
    [InlineData(new[] { "demo", "--preset", "huge" }, "huge")]
    [InlineData(new[] { "demo", "--images", "4" }, "--images must be between 8 and 100000")]
    [InlineData(new[] { "demo", "--held-out", "1" }, "--held-out must be between 2 and 10000")]
    [InlineData(new[] { "demo", "--epochs", "0" }, "--epochs must be between 1 and 1000")]
    [InlineData(new[] { "demo", "--image-size", "32" }, "--image-size must be between 64 and 2048")]
    [InlineData(new[] { "demo", "--hospital", "Demo Hospital" }, "is not a hospital id")]
    [InlineData(new[] { "demo", "--seed", "forty-two" }, "forty-two")]
    [InlineData(new[] { "demo", "--quick", "extra" }, "extra")]
    [InlineData(new[] { "demo", "--set", "no-equals-sign" }, "--set expects KEY=VALUE")]
    public async Task Demo_BadArguments_ReturnsUsageErrorWithoutRunning(string[] args, string expected)
    {
        // Act
        CliRun run = await CliRunner.RunAsync(args);

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Demo_Help_DescribesQuickAndStorage()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("demo", "--help");

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("--quick", run.Output, StringComparison.Ordinal);
        Assert.Contains("--storage", run.Output, StringComparison.Ordinal);
        Assert.Contains("embedded Azurite", run.Output, StringComparison.Ordinal);
    }
}
