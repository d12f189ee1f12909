using System.Diagnostics;
using System.Diagnostics.Metrics;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Core.Observability;

/// <summary>
/// The ServerlessCovid meter (<see cref="TelemetryNames.Meter"/>): images triaged, stage latencies, batch sizes, the
/// served model, retraining runs and the reconciliation sweep. Created from <see cref="IMeterFactory"/>, so each
/// service provider (the Functions worker, one CLI verb, one test) has its own instruments and listeners see only
/// theirs. Attributes are drawn from fixed vocabularies (<see cref="TelemetryNames.Tags"/>); nothing here takes an
/// image, a blob name or a DICOM attribute, so no record can carry one.
/// </summary>
public sealed class TriageMetrics : IDisposable
{
    // Seconds; the SDK's default boundaries are meant for milliseconds and would put every image in one bucket.
    private static readonly double[] ImageSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] RetrainingSecondsBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64];

    private readonly Counter<long> _images;
    private readonly Histogram<double> _stageSeconds;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _retrainingRuns;
    private readonly Histogram<double> _retrainingStageSeconds;
    private readonly Counter<long> _reconciled;
    private readonly IXrayClassifier? _classifier;
    private long _lastPending = -1;

    public TriageMetrics(IMeterFactory meterFactory, IXrayClassifier? classifier = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _classifier = classifier;
        if (classifier is not null)
        {
            classifier.RunCompleted += RecordBatchSize;
        }

        Meter meter = meterFactory.Create(TelemetryNames.Meter);
        _images = meter.CreateCounter<long>(TelemetryNames.ImagesTriaged, "{image}",
            "Images that ended with a result row, by source, status and error code.");
        _stageSeconds = meter.CreateHistogram(TelemetryNames.StageDuration, "s",
            "Seconds per image and stage: total (trigger to row) and the classifier's decode, preprocess and inference.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ImageSecondsBuckets });
        _batchSize = meter.CreateHistogram(TelemetryNames.BatchSize, "{image}",
            "Images per ONNX Runtime Run.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        _retrainingRuns = meter.CreateCounter<long>(TelemetryNames.RetrainingRuns, "{run}",
            "Finished retraining runs by outcome (published, rejected, stopped, failed).");
        _retrainingStageSeconds = meter.CreateHistogram(TelemetryNames.RetrainingStageDuration, "s",
            "Seconds per retraining stage of finished runs, from the orchestration clock.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RetrainingSecondsBuckets });
        _reconciled = meter.CreateCounter<long>(TelemetryNames.ReconciledBlobs, "{blob}",
            "Blobs and pending rows the reconciliation sweep examined, by outcome.");
        meter.CreateObservableGauge(TelemetryNames.ModelServed, ObserveModel, "{model}",
            "1 for the model version this instance serves; no point while none is served.");
        meter.CreateObservableGauge(TelemetryNames.PendingBlobs, ObservePending, "{blob}",
            "Rows still pending (no model could score them) after the latest reconciliation run.");
    }

    /// <summary>One image's row: counted by status and error code, its total latency and the classifier's stages.</summary>
    public void RecordTriage(TriageResult result, string source, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(result);
        TagList tags = new()
        {
            { TelemetryNames.Tags.Source, source },
            { TelemetryNames.Tags.Status, TriageResultEntities.StatusName(result.Status) },
        };
        if (result.ErrorCode is { } code)
        {
            tags.Add(TelemetryNames.Tags.ErrorCode, code);
        }

        _images.Add(1, tags);
        RecordStage(TelemetryNames.Stages.Total, source, elapsed.TotalSeconds);
        if (result.Timings is { } timings)
        {
            RecordStage(TelemetryNames.Stages.Decode, source, timings.DecodeMs / 1000);
            RecordStage(TelemetryNames.Stages.Preprocess, source, timings.PreprocessMs / 1000);
            RecordStage(TelemetryNames.Stages.Inference, source, timings.InferenceMs / 1000);
        }
    }

    /// <summary>
    /// An image that ended without a row: <c>error</c> when its handling threw (storage down: the host retries it;
    /// the code is the exception's type name, never its message), <c>unavailable</c> when no model was served to an
    /// HTTP caller, <c>rejected</c> when its name cannot be keyed to a hospital.
    /// </summary>
    public void RecordWithoutRow(string source, string status, string errorCode, TimeSpan elapsed)
    {
        _images.Add(1, new TagList
        {
            { TelemetryNames.Tags.Source, source },
            { TelemetryNames.Tags.Status, status },
            { TelemetryNames.Tags.ErrorCode, errorCode },
        });
        RecordStage(TelemetryNames.Stages.Total, source, elapsed.TotalSeconds);
    }

    /// <summary>The number of images one ONNX Runtime Run scored (the classifier's <see cref="IXrayClassifier.RunCompleted"/>).</summary>
    public void RecordBatchSize(int images) => _batchSize.Record(images);

    /// <summary>Stops listening to the classifier, which outlives a test's or a CLI verb's provider.</summary>
    public void Dispose()
    {
        if (_classifier is not null)
        {
            _classifier.RunCompleted -= RecordBatchSize;
        }
    }

    /// <summary>A finished retraining run: its outcome and the seconds of every stage it reached.</summary>
    public void RecordRetrainingRun(string outcome, IReadOnlyDictionary<string, double>? stageSeconds)
    {
        _retrainingRuns.Add(1, new KeyValuePair<string, object?>(TelemetryNames.Tags.Outcome, outcome));
        foreach ((string stage, double seconds) in stageSeconds ?? new Dictionary<string, double>())
        {
            _retrainingStageSeconds.Record(seconds, new KeyValuePair<string, object?>(TelemetryNames.Tags.Stage, stage));
        }
    }

    /// <summary>One reconciliation run's outcomes; its pending count becomes the pending gauge.</summary>
    public void RecordReconcile(ReconcileReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Add("already_had_row", report.AlreadyHadRow);
        Add("pending_rescored", report.PendingRescored);
        Add("newly_triaged", report.NewlyTriaged);
        Add("rejected", report.Rejected);
        Add("failed", report.Failed);
        Add("pending", report.Pending);
        Add("unkeyable", report.Unkeyable);
        Interlocked.Exchange(ref _lastPending, report.Pending);

        void Add(string outcome, int count)
        {
            if (count > 0)
            {
                _reconciled.Add(count, new KeyValuePair<string, object?>(TelemetryNames.Tags.Outcome, outcome));
            }
        }
    }

    private void RecordStage(string stage, string source, double seconds) =>
        _stageSeconds.Record(seconds, new TagList { { TelemetryNames.Tags.Stage, stage }, { TelemetryNames.Tags.Source, source } });

    private IEnumerable<Measurement<int>> ObserveModel()
    {
        if (_classifier?.CurrentModel is { } model)
        {
            yield return new Measurement<int>(1, new KeyValuePair<string, object?>(TelemetryNames.Tags.ModelVersion, model.Version));
        }
    }

    private IEnumerable<Measurement<long>> ObservePending()
    {
        long pending = Interlocked.Read(ref _lastPending);
        if (pending >= 0)
        {
            yield return new Measurement<long>(pending);
        }
    }
}
