using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Triage;

/// <summary>
/// Blob trigger on <c>{Storage:XraysContainer}/{hospital}/{name}</c>. Bad input ends as a rejected row and returns
/// normally (no retry); a blob that arrives before any model is served ends as a pending row that
/// <see cref="ReconcileXrays"/> scores later (no retry either); transient failures throw, the host retries up to <c>poisonBlobThreshold</c> (host.json) and
/// then queues the blob on <c>webjobs-blobtrigger-poison</c>, where <see cref="RecordPoisonXray"/> records it.
/// </summary>
public sealed partial class TriageUploadedXray(TriageService triage, ILogger<TriageUploadedXray> logger)
{
    /// <summary>The binding path; <c>%...%</c> is resolved by the host from the app setting <c>Storage__XraysContainer</c>.</summary>
    public const string BlobPath = "%Storage:XraysContainer%/{hospital}/{name}";

    public const string Connection = "AzureWebJobsStorage";

    [Function(nameof(TriageUploadedXray))]
    public async Task Run([BlobTrigger(BlobPath, Connection = Connection)] BlobClient blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            await triage.TriageBlobAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        catch (TriageRequestException ex)
        {
            // No valid hospital folder means no partition to record a row in; retrying cannot fix the name.
            LogUnkeyable(logger, ex.Code, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Blob ignored, it cannot be keyed to a hospital ({Code}): {Reason}")]
    private static partial void LogUnkeyable(ILogger logger, string code, string reason);
}
