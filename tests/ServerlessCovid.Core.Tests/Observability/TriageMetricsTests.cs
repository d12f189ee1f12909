using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Core.Tests.Observability;

public sealed class TriageMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddTriageMetrics().BuildServiceProvider();

    private IMeterFactory Meters => _services.GetRequiredService<IMeterFactory>();

    private TriageMetrics Metrics => _services.GetRequiredService<TriageMetrics>();

    [Fact]
    public void RecordReconcile_Report_CountsEachNonZeroOutcomeAndSetsThePendingGauge()
    {
        // Arrange
        using MetricCollector<long> blobs = new(Meters, TelemetryNames.Meter, TelemetryNames.ReconciledBlobs);
        using MetricCollector<long> pending = new(Meters, TelemetryNames.Meter, TelemetryNames.PendingBlobs);
        ReconcileReport report = new() { Listed = 9, AlreadyHadRow = 4, NewlyTriaged = 2, PendingRescored = 1, Pending = 2 };

        // Act
        Metrics.RecordReconcile(report);
        pending.RecordObservableInstruments();

        // Assert
        Dictionary<string, long> byOutcome = blobs.GetMeasurementSnapshot()
            .ToDictionary(m => (string)m.Tags[TelemetryNames.Tags.Outcome]!, m => m.Value);
        Assert.Equal(new Dictionary<string, long> { ["already_had_row"] = 4, ["newly_triaged"] = 2, ["pending_rescored"] = 1, ["pending"] = 2 }, byOutcome);
        Assert.Equal(2, pending.LastMeasurement?.Value);
    }

    [Fact]
    public void PendingGauge_BeforeAnyReconcileRun_ReportsNothing()
    {
        // Arrange: "no run yet" must not read as "nothing pending".
        using MetricCollector<long> pending = new(Meters, TelemetryNames.Meter, TelemetryNames.PendingBlobs);
        _ = Metrics;

        // Act
        pending.RecordObservableInstruments();

        // Assert
        Assert.Empty(pending.GetMeasurementSnapshot());
    }

    [Fact]
    public void RecordTriage_RejectedResultWithoutTimings_CountsItsCodeAndOnlyTheTotalLatency()
    {
        // Arrange
        using MetricCollector<long> images = new(Meters, TelemetryNames.Meter, TelemetryNames.ImagesTriaged);
        using MetricCollector<double> stages = new(Meters, TelemetryNames.Meter, TelemetryNames.StageDuration);
        TriageResult rejected = new()
        {
            Hospital = "h1",
            Id = "r1",
            Status = TriageStatus.Rejected,
            Source = TriageResult.HttpSource,
            CreatedUtc = DateTimeOffset.UnixEpoch,
            UpdatedUtc = DateTimeOffset.UnixEpoch,
            ErrorCode = "unsupported_format",
        };

        // Act
        Metrics.RecordTriage(rejected, TelemetryNames.Sources.Http, TimeSpan.FromMilliseconds(250));

        // Assert
        CollectedMeasurement<long> image = Assert.Single(images.GetMeasurementSnapshot());
        Assert.Equal(("http", "rejected", "unsupported_format"), (
            (string?)image.Tags[TelemetryNames.Tags.Source], (string?)image.Tags[TelemetryNames.Tags.Status], (string?)image.Tags[TelemetryNames.Tags.ErrorCode]));
        CollectedMeasurement<double> total = Assert.Single(stages.GetMeasurementSnapshot());
        Assert.Equal((0.25, "total"), (total.Value, (string?)total.Tags[TelemetryNames.Tags.Stage]));
    }

    [Fact]
    public void ModelGauge_NoClassifierRegistered_ReportsNothing()
    {
        // Arrange: the CLI's retraining host has no serving classifier of its own to report.
        using MetricCollector<int> model = new(Meters, TelemetryNames.Meter, TelemetryNames.ModelServed);
        _ = Metrics;

        // Act
        model.RecordObservableInstruments();

        // Assert
        Assert.Empty(model.GetMeasurementSnapshot());
    }

    public void Dispose() => _services.Dispose();
}
