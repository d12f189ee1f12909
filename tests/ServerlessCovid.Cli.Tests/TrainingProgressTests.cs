using ServerlessCovid.Cli.Commands;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Tests;

/// <summary>Progress within an epoch: batches done, images/s and an ETA from recent steps, not from the slow first ones.</summary>
public sealed class TrainingProgressTests
{
    [Fact]
    public void Eta_SlowFirstStepsThenSteadyPace_UsesTheRecentPaceOnly()
    {
        // Arrange: three slow warm-up steps (60 s each), then 25 steps of 1 s, batch 8.
        StepRateMeter meter = new(window: 20);
        TimeSpan at = TimeSpan.Zero;
        meter.Record(at, 8);
        for (int i = 0; i < 3; i++)
        {
            at += TimeSpan.FromSeconds(60);
            meter.Record(at, 8);
        }

        for (int i = 0; i < 25; i++)
        {
            at += TimeSpan.FromSeconds(1);
            meter.Record(at, 8);
        }

        // Act
        TimeSpan? eta = meter.Eta(100);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(100), eta);
        Assert.Equal(8.0, meter.ImagesPerSecond!.Value, 6);
    }

    [Fact]
    public void Describe_BeforeTwoSteps_SaysMeasuring()
    {
        // Arrange
        StepRateMeter meter = new();
        meter.Record(TimeSpan.FromSeconds(3), 8);

        // Act
        string text = meter.Describe(10);

        // Assert
        Assert.Equal("measuring speed", text);
        Assert.Null(meter.Eta(10));
    }

    [Fact]
    public void EpochPrinter_StepsWithinAnEpoch_PrintsBatchProgressAtMostEveryInterval()
    {
        // Arrange: 12 steps of 4 s each in epoch 1 of 2, 20 steps per epoch.
        ManualClock clock = new();
        StringWriter output = new();
        TrainCommand.EpochPrinter printer = new(output, batchSize: 8, clock);

        // Act
        for (int step = 1; step <= 12; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(4));
            printer.Report(new TrainingProgress("train", 1, 2, step, 20, 0.5, null));
        }

        // Assert: the first step (t = 0), then one line per 10 s or more (steps 4, 7, 10 at 12, 24, 36 s); at step 10,
        // 30 steps remain at 4 s each.
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("Epoch 1/2: batch 1/20", lines[0], StringComparison.Ordinal);
        Assert.Contains("measuring speed", lines[0], StringComparison.Ordinal);
        Assert.Contains("batch 10/20", lines[3], StringComparison.Ordinal);
        Assert.Contains("2.0 images/s, ETA 02:00.0", lines[3], StringComparison.Ordinal);
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
