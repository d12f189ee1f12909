using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessCovid.Functions.Triage;

/// <summary>
/// Blob trigger on <c>{Storage:XraysContainer}/{hospital}/{name}</c> with the host's polling source (container scans
/// and storage logs): what runs against Azurite and on a deployment without its Event Grid subscription yet. Bad input
/// ends as a rejected row and returns normally (no retry); a blob that arrives before any model is served ends as a
/// pending row that <see cref="ReconcileXrays"/> scores later (no retry either); transient failures throw, the host
/// retries up to <c>poisonBlobThreshold</c> (host.json) and then queues the blob on <c>webjobs-blobtrigger-poison</c>,
/// where <see cref="RecordPoisonXray"/> records it. Disabled with the app setting <see cref="DisabledSetting"/> where
/// <see cref="TriageUploadedXrayEvent"/> receives the same blobs from Event Grid (docs/deploy.md).
/// </summary>
public sealed class TriageUploadedXray(XrayBlobHandler handler)
{
    /// <summary>The binding path; <c>%...%</c> is resolved by the host from the app setting <c>Storage__XraysContainer</c>.</summary>
    public const string BlobPath = "%Storage:XraysContainer%/{hospital}/{name}";

    public const string Connection = "AzureWebJobsStorage";

    /// <summary>The host's per-function switch, in the underscore form Linux environment variables allow.</summary>
    public const string DisabledSetting = "AzureWebJobs_" + nameof(TriageUploadedXray) + "_Disabled";

    [Function(nameof(TriageUploadedXray))]
    public Task Run([BlobTrigger(BlobPath, Connection = Connection)] BlobClient blob, CancellationToken cancellationToken) =>
        handler.HandleAsync(blob, cancellationToken);
}
