namespace ServerlessCovid.Cli.Tests;

public sealed class CovidCliTests
{
    public static TheoryData<string[]> EveryCommand()
    {
        TheoryData<string[]> data = [];
        foreach (string[] path in Walk(CovidCli.BuildRootCommand(), []))
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task RunAsync_HelpOnAnyCommand_PrintsUsageAndExitsZero(string[] path)
    {
        // Arrange
        string[] args = [.. path, "--help"];

        // Act
        CliRun run = await CliRunner.RunAsync(args);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        Assert.Contains(string.Join(' ', path), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoCommand_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync();

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("Required command was not provided", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnknownCommand_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("diagnose", "x.png");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("diagnose", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task RunAsync_Help_ListsEveryVerbAndTheDisclaimer()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("--help");

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        foreach (string verb in new[] { "predict", "models", "platform" })
        {
            Assert.Contains(verb, run.Output, StringComparison.Ordinal);
        }

        Assert.Contains("Not a diagnostic device", run.Output, StringComparison.Ordinal);
    }

    private static IEnumerable<string[]> Walk(System.CommandLine.Command command, string[] prefix)
    {
        foreach (System.CommandLine.Command sub in command.Subcommands)
        {
            string[] path = [.. prefix, sub.Name];
            yield return path;
            foreach (string[] nested in Walk(sub, path))
            {
                yield return nested;
            }
        }
    }
}
