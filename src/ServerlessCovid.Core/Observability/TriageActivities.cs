using System.Diagnostics;

namespace ServerlessCovid.Core.Observability;

/// <summary>
/// The <c>ServerlessCovid.Triage</c> activity source: one span per image for the whole triage and one per stage
/// inside it (download, decode, preprocess, queue wait for a batch, ONNX Runtime run, table read and write). Spans
/// carry the model version, the result status and the batch size; never image bytes, blob names, result ids or
/// anything else that could identify a patient. Without a listener (an exporter or <c>covid bench pipeline</c>)
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and the spans cost nothing.
/// </summary>
public static class TriageActivities
{
    /// <summary>The source name exporters subscribe to.</summary>
    public const string SourceName = TelemetryNames.TriageActivitySource;

    public const string BlobTriage = "triage.blob";
    public const string HttpTriage = "triage.http";
    public const string Download = "triage.download";
    public const string Hash = "triage.hash";
    public const string Decode = "triage.decode";
    public const string Preprocess = "triage.preprocess";
    public const string QueueWait = "triage.queue_wait";
    public const string Run = "triage.run";
    public const string HeatMap = "triage.heatmap";
    public const string HeatMapRender = "triage.heatmap_render";
    public const string TableRead = "triage.table_read";
    public const string TableWrite = "triage.table_write";

    /// <summary>Attribute: the model version that scored (or would have scored) the image.</summary>
    public const string ModelVersionTag = "model.version";

    /// <summary>Attribute: scored, rejected, pending or failed, on the image's root span.</summary>
    public const string StatusTag = "triage.status";

    /// <summary>Attribute: images in the ONNX Runtime run this image was part of.</summary>
    public const string BatchSizeTag = "inference.batch_size";

    /// <summary>Attribute: the stable error code of a rejected or failed image.</summary>
    public const string ErrorCodeTag = "triage.error_code";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>Starts a span under the current one; null when nobody listens.</summary>
    public static Activity? Start(string name, ActivityKind kind = ActivityKind.Internal) => Source.StartActivity(name, kind);

    /// <summary>
    /// Records a stage that was timed elsewhere (the preprocessor reports decode and preprocess durations; the
    /// batcher reports when a run started and ended) as a finished span under the current one.
    /// </summary>
    public static void Record(string name, DateTime startUtc, DateTime endUtc, string? modelVersion, int batchSize = 0)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        using Activity? activity = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, startTime: startUtc);
        if (activity is null)
        {
            return;
        }

        if (modelVersion is not null)
        {
            activity.SetTag(ModelVersionTag, modelVersion);
        }

        if (batchSize > 0)
        {
            activity.SetTag(BatchSizeTag, batchSize);
        }

        activity.SetEndTime(endUtc < startUtc ? startUtc : endUtc);
    }
}
