using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// Writes the <c>failed</c> row of a blob the host gave up on, retrying storage errors with bounded exponential
/// back-off inside the invocation. The poison message is the last trace of that blob: when storage is what made the
/// host give up, the first attempts to record it usually fail the same way, and returning (or failing fast) would
/// drop the record. After the last attempt the error propagates, so the queue message becomes visible again and the
/// host redelivers it.
/// </summary>
public sealed partial class BlobFailureRecorder(
    TriageService triage, IOptions<TriageOptions> options, TimeProvider time, ILogger<BlobFailureRecorder> logger)
{
    /// <inheritdoc cref="TriageService.RecordBlobFailureAsync"/>
    /// <exception cref="RequestFailedException">Storage kept failing for every attempt; the host redelivers the message.</exception>
    public Task<TriageResult?> RecordAsync(BlobClient blob, CancellationToken cancellationToken = default)
    {
        TriageOptions settings = options.Value;
        return StorageRetry.RunAsync(
            ct => triage.RecordBlobFailureAsync(blob, ct),
            settings.PoisonRecordAttempts,
            TimeSpan.FromMilliseconds(settings.PoisonRecordBaseDelayMilliseconds),
            time,
            (attempt, delay, ex) => LogRetrying(logger, ex, blob.Name, attempt, settings.PoisonRecordAttempts, delay.TotalSeconds),
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not record poison blob {BlobName} (attempt {Attempt} of {Attempts}); retrying in {DelaySeconds} s")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string blobName, int attempt, int attempts, double delaySeconds);
}
