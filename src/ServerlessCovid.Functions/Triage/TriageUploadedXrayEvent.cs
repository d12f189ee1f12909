using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessCovid.Functions.Triage;

/// <summary>
/// The same blob trigger as <see cref="TriageUploadedXray"/>, fed by Event Grid: the storage account's system topic
/// posts <c>BlobCreated</c> to the blob extension's webhook
/// (<c>/runtime/webhooks/blobs?functionName=Host.Functions.TriageUploadedXrayEvent</c>), so an upload is scored in
/// seconds without the host scanning the container. The source is a compile-time property of the binding, hence a
/// second class; the app setting <see cref="DisabledSetting"/> switches it off where no Event Grid can reach the app
/// (Azurite, <c>func start</c>).
/// </summary>
public sealed class TriageUploadedXrayEvent(XrayBlobHandler handler)
{
    /// <summary>The host's per-function switch, in the underscore form Linux environment variables allow.</summary>
    public const string DisabledSetting = "AzureWebJobs_" + nameof(TriageUploadedXrayEvent) + "_Disabled";

    [Function(nameof(TriageUploadedXrayEvent))]
    public Task Run(
        [BlobTrigger(TriageUploadedXray.BlobPath, Connection = TriageUploadedXray.Connection, Source = BlobTriggerSource.EventGrid)] BlobClient blob,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(blob, cancellationToken);
}
