namespace ServerlessCovid.Cli.Tests;

public sealed class BenchChunksCommandTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "sc-bench-chunks-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public async Task BenchChunks_TinyRecipeTwoChunks_PrintsMemoryAfterEachChunkAndTheTrim()
    {
        // Act
        CliRun run = await CliRunner.RunAsync(
            "bench", "chunks", "--work", _work, "--preset", "tiny", "--count", "24", "--image-size", "64", "--chunks", "2");

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Matches(@"(?m)^chunk  1 \(\s*\d+ s, thread \d+, \d+\.\d\d GB managed allocated\) RSS \d+\.\d\d GB .*LOH .*malloc: \d+\.\d\d in use", run.Output);
        Assert.Matches(@"(?m)^chunk  2 \(", run.Output);
        Assert.DoesNotMatch(@"(?m)^chunk  3 ", run.Output);
        Assert.Matches(@"(?m)^trimmed .*; malloc_trim released \d+\.\d\d GB$", run.Output);
    }
}
