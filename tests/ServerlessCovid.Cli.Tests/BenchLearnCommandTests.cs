namespace ServerlessCovid.Cli.Tests;

public sealed class BenchLearnCommandTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "sc-bench-learn-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public async Task BenchLearn_TinyRecipeOneEpoch_PrintsEpochTableAndVerdict()
    {
        // Act
        CliRun run = await CliRunner.RunAsync(
            "bench", "learn", "--work", _work, "--preset", "tiny", "--count", "40", "--generated-size", "64", "--image-size", "64", "--epochs", "1",
            "--probe", "20");

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("Probe (20 synthetic films, seed 1000010, COVID findings in one lung): Pointing game (CAM", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_work, "probe-one-lung-20-seed1000010-64px", "manifest.csv")));
        Assert.Matches(@"Evidence swap \(10 COVID films of seed 1000010 and their normal twins; mean P\(covid\)\): film [01]\.\d{3} \(\d+/10 called covid\), "
            + @"film with its lesions replaced by the twin's pixels [01]\.\d{3} .+; twin [01]\.\d{3} .+, twin with the film's lesions pasted in [01]\.\d{3}", run.Output);
        Assert.Contains("epoch  train loss  train acc  val loss  val acc  val AUC  seconds", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+1\s+\d+\.\d{4}\s+\d\.\d{3}\s+\d+\.\d{4}\s+\d\.\d{3}\s+\d\.\d{3}", run.Output);
        Assert.Contains("Final (epoch 1): validation accuracy", run.Output, StringComparison.Ordinal);
        Assert.Contains("OMP_WAIT_POLICY", run.Output, StringComparison.Ordinal);
        Assert.Contains("Target (accuracy ≥ 0.90 and AUC ≥ 0.95)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchLearn_LocaliseEachEpoch_PrintsPointingGameAfterEveryEpochAndResumes()
    {
        // Act
        CliRun run = await CliRunner.RunAsync(
            "bench", "learn", "--work", _work, "--preset", "tiny", "--count", "40", "--generated-size", "64", "--image-size", "64",
            "--epochs", "3", "--localise-each-epoch", "--probe", "0");

        // Assert: one row per epoch, each epoch resumed from the last (3 rows, not 3 restarts at epoch 1), and a
        // pointing-game line after each of them, the last one after the summary.
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(run.Output, @"(?m)^\s+[123]\s+\d+\.\d{4}\s"));
        Assert.Matches(@"(?m)^\s+3\s+\d+\.\d{4}\s", run.Output);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(run.Output, "Pointing game \\(CAM"));
        Assert.DoesNotContain("Probe (", run.Output, StringComparison.Ordinal);
        Assert.Contains("Final (epoch 3): validation accuracy", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchLearn_ProbeTwoSizes_PrintsEveryCellAtBothSizes()
    {
        // Act
        CliRun run = await CliRunner.RunAsync(
            "bench", "learn", "--work", _work, "--preset", "tiny", "--count", "40", "--generated-size", "64", "--probe-sizes", "32,64", "--probe-steps", "2");

        // Assert: stem, the tiny network's 7 cells and the head, each with a column per size.
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Matches(@"(?m)^stem\s+\| 15×15 .*\| 31×31 ", run.Output);
        Assert.Matches(@"(?m)^head\s+\| logits", run.Output);
        Assert.Contains("32 px head: pooled feature mean", run.Output, StringComparison.Ordinal);
        Assert.Contains("64 px, loss of the first 2 steps:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchLearn_WarmStartTinyRecipe_PrintsChampionScratchAndWarmCurves()
    {
        // Act
        CliRun run = await CliRunner.RunAsync(
            "bench", "learn", "--work", _work, "--preset", "tiny", "--count", "60", "--generated-size", "64", "--image-size", "64",
            "--epochs", "2", "--warm-start", "--champion-epochs", "3");

        // Assert: 42 training images, two thirds of each class for the champion; 18 validation images for all three.
        // The champion's third epoch has a row of its own, with the challengers' cells empty.
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("champion on 28 training images for 3 epochs; challengers on 42 (+14 new); all scored on the same 18 validation images", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+2 \|\s+\d\.\d{3} \d\.\d{3} \|\s+\d\.\d{3} \d\.\d{3} \|\s+\d\.\d{3} \d\.\d{3}$", run.Output);
        Assert.Matches(@"(?m)^\s+3 \|\s+\d\.\d{3} \d\.\d{3} \|\s+\|\s*$", run.Output);
        Assert.Contains("Warm start reached it:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchLearn_InitialWeightsFileMissing_IsAUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("bench", "learn", "--work", _work, "--initial-weights", Path.Combine(_work, "missing.bin"));

        // Assert
        Assert.NotEqual(CovidCli.Success, run.ExitCode);
        Assert.Contains("missing.bin", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchLearn_MalformedProbeSizes_IsAUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("bench", "learn", "--work", _work, "--probe-sizes", "128,x");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("--probe-sizes", run.Error, StringComparison.Ordinal);
    }
}
