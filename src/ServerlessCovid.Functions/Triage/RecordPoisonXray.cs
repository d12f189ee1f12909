using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Triage;

/// <summary>
/// Queue trigger on the host's blob-trigger poison queue (<c>webjobs-blobtrigger-poison</c>). The host writes one
/// JSON message per blob it gave up on — <c>{"Type":"BlobTrigger","FunctionId":...,"BlobType":...,
/// "ContainerName":...,"BlobName":...,"ETag":...}</c> — and this records it as a <c>failed</c> row, so no image
/// is lost silently. The queue is shared by every blob trigger on the account; other containers are ignored. Storage
/// errors are retried with back-off inside the invocation, then thrown so the host redelivers the message.
/// </summary>
public sealed partial class RecordPoisonXray(BlobFailureRecorder recorder, BlobServiceClient blobs, ILogger<RecordPoisonXray> logger)
{
    public const string PoisonQueue = "webjobs-blobtrigger-poison";

    private static readonly JsonSerializerOptions MessageJson = new() { PropertyNameCaseInsensitive = true };

    [Function(nameof(RecordPoisonXray))]
    public async Task Run(
        [QueueTrigger(PoisonQueue, Connection = TriageUploadedXray.Connection)] string message,
        CancellationToken cancellationToken)
    {
        PoisonBlobMessage? parsed = Parse(message);
        if (parsed?.ContainerName is not { Length: > 0 } container || parsed.BlobName is not { Length: > 0 } blobName)
        {
            // Not ours to interpret; retrying would only move it to the poison queue's own poison queue.
            LogUnreadable(logger);
            return;
        }

        BlobClient blob = blobs.GetBlobContainerClient(container).GetBlobClient(blobName);
        TriageResult? result = await recorder.RecordAsync(blob, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            LogNotOurs(logger, container);
        }
    }

    private static PoisonBlobMessage? Parse(string message)
    {
        try
        {
            return JsonSerializer.Deserialize<PoisonBlobMessage>(message, MessageJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Poison-queue message is not a blob-trigger message; ignored")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Poison blob in container {Container} is not an x-ray of a hospital folder; ignored")]
    private static partial void LogNotOurs(ILogger logger, string container);
}

/// <summary>The blob trigger's poison-queue message (Microsoft.Azure.WebJobs.Extensions.Storage.Blobs BlobTriggerMessage).</summary>
public sealed record PoisonBlobMessage(string? Type, string? FunctionId, string? BlobType, string? ContainerName, string? BlobName, string? ETag);
