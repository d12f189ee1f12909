using System.Diagnostics;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Triage;

/// <summary>
/// What both blob triggers (<see cref="TriageUploadedXray"/>, polling; <see cref="TriageUploadedXrayEvent"/>, Event
/// Grid) do with a blob: hand it to <see cref="TriageService"/>, count the outcome and its latency. Kept in one place
/// so the two trigger sources cannot drift apart.
/// </summary>
public sealed partial class XrayBlobHandler(TriageService triage, TriageMetrics metrics, ILogger<XrayBlobHandler> logger)
{
    public async Task HandleAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        long started = Stopwatch.GetTimestamp();
        try
        {
            TriageResult result = await triage.TriageBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            metrics.RecordTriage(result, TelemetryNames.Sources.Blob, Stopwatch.GetElapsedTime(started));
        }
        catch (TriageRequestException ex)
        {
            // No valid hospital folder means no partition to record a row in; retrying cannot fix the name.
            LogUnkeyable(logger, ex.Code, ex.Message);
            metrics.RecordWithoutRow(TelemetryNames.Sources.Blob, "rejected", ex.Code, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Thrown on so the host retries; counted so an operator sees failing attempts before the poison queue.
            metrics.RecordWithoutRow(TelemetryNames.Sources.Blob, "error", ex.GetType().Name, Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Blob ignored, it cannot be keyed to a hospital ({Code}): {Reason}")]
    private static partial void LogUnkeyable(ILogger logger, string code, string reason);
}
