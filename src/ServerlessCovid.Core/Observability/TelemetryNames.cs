namespace ServerlessCovid.Core.Observability;

/// <summary>
/// The names an exporter subscribes to, and the only attribute keys ServerlessCovid puts on its metrics. Every value
/// behind these keys comes from a fixed vocabulary (status, error code, stage, source, outcome) or is a model version:
/// never an image byte, a blob name, a hospital's file name or anything read from a DICOM header.
/// </summary>
public static class TelemetryNames
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of <see cref="TriageMetrics"/>.</summary>
    public const string Meter = "ServerlessCovid";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of the per-image triage spans.</summary>
    public const string TriageActivitySource = "ServerlessCovid.Triage";

    public const string ImagesTriaged = "serverlesscovid.triage.images";
    public const string StageDuration = "serverlesscovid.triage.stage.duration";
    public const string BatchSize = "serverlesscovid.inference.batch.size";
    public const string ModelServed = "serverlesscovid.model.served";
    public const string RetrainingRuns = "serverlesscovid.retraining.runs";
    public const string RetrainingStageDuration = "serverlesscovid.retraining.stage.duration";
    public const string ReconciledBlobs = "serverlesscovid.reconcile.blobs";
    public const string PendingBlobs = "serverlesscovid.reconcile.pending";

    /// <summary>Attribute keys.</summary>
    public static class Tags
    {
        public const string Source = "source";
        public const string Status = "status";
        public const string ErrorCode = "error_code";
        public const string Stage = "stage";
        public const string Outcome = "outcome";
        public const string ModelVersion = "model_version";
    }

    /// <summary>Where an image came in (<see cref="Tags.Source"/>).</summary>
    public static class Sources
    {
        public const string Blob = "blob";
        public const string Http = "http";
        public const string Reconcile = "reconcile";
    }

    /// <summary>Stages of <see cref="StageDuration"/> (<see cref="Tags.Stage"/>).</summary>
    public static class Stages
    {
        public const string Total = "total";
        public const string Decode = "decode";
        public const string Preprocess = "preprocess";
        public const string Inference = "inference";
    }
}
