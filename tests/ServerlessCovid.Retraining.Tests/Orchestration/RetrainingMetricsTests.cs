using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

[Collection(TestCollections.Azurite)]
public sealed class RetrainingMetricsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_TooFewLabelledImages_CountsOneStoppedRunWithItsSnapshotStage()
    {
        // Setup: a run that stops after its snapshot (seconds, no training).
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: 3, normal: 8);
        RetrainingHost host = await env.StartHostAsync();
        IMeterFactory meters = host.Services.GetRequiredService<IMeterFactory>();
        using MetricCollector<long> runs = new(meters, TelemetryNames.Meter, TelemetryNames.RetrainingRuns);
        using MetricCollector<double> stages = new(meters, TelemetryNames.Meter, TelemetryNames.RetrainingStageDuration);

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings());

        // Verify: one run by its outcome (the running record written at the start is not a run), and its one stage.
        Assert.Equal(RetrainingStatus.Stopped, run.Outcome!.Status);
        CollectedMeasurement<long> counted = Assert.Single(runs.GetMeasurementSnapshot());
        Assert.Equal(1, counted.Value);
        Assert.Equal("stopped", counted.Tags[TelemetryNames.Tags.Outcome]);
        CollectedMeasurement<double> stage = Assert.Single(stages.GetMeasurementSnapshot());
        Assert.Equal(RetrainingStages.Snapshot, stage.Tags[TelemetryNames.Tags.Stage]);
        Assert.Equal(run.Record!.StageSeconds[RetrainingStages.Snapshot], stage.Value);
    }
}
