using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// Stores a clinician's confirmed label on a result and copies the exact bytes that were scored into the
/// labelled-image store (<c>{label}/{hospital}/{resultId}-{sha12}.{ext}</c>) for the next retraining. Idempotent:
/// the same label again changes nothing; the other label moves the copy. The copy's id carries the content hash,
/// because a blob result's id is per blob name and the hospital may later upload different bytes under that name.
/// </summary>
public sealed partial class ResultLabellingService(
    TriageResultStore results,
    LabelledImageStore labelled,
    BlobServiceClient blobs,
    ILogger<ResultLabellingService> logger)
{
    /// <summary>Returns the updated result, or null when the hospital has no such result.</summary>
    /// <exception cref="TriageRequestException">Bad label or labeller, unlabellable result, or changed image.</exception>
    /// <exception cref="LabelledImageStoreException">The labelled store refused the image (e.g. a format it does not keep).</exception>
    public async Task<TriageResult?> ConfirmAsync(
        string hospital, string id, string? label, string? labelledBy, CancellationToken cancellationToken = default)
    {
        if (!ClassNames.IsKnown(label))
        {
            throw new TriageRequestException(TriageErrorCodes.InvalidLabel, $"label must be '{ClassNames.Covid}' or '{ClassNames.Normal}', got '{label}'.");
        }

        if (string.IsNullOrWhiteSpace(labelledBy) || labelledBy.Length > 200)
        {
            throw new TriageRequestException(TriageErrorCodes.InvalidLabel, "labelledBy is required (1-200 characters): who confirmed the label.");
        }

        TriageResult? result = await results.GetAsync(hospital, id, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return null;
        }

        if (!result.IsScored || result.ImageContainer is null || result.ImageBlobName is null || result.ContentSha256 is null)
        {
            throw new TriageRequestException(TriageErrorCodes.NotLabellable,
                $"Result {id} is {result.Status.ToString().ToLowerInvariant()}: only scored images can be labelled for retraining.");
        }

        BinaryData content = await DownloadScoredImageAsync(result, cancellationToken).ConfigureAwait(false);
        LabelledImageAddResult added = await labelled.AddAsync(
            new LabelledImageRequest
            {
                Hospital = hospital,
                Id = $"{id}-{result.ContentSha256[..12]}",
                Label = label!,
                Extension = result.ImageFormat ?? "bin",
                LabelledBy = labelledBy,
                Source = result.Source,
            },
            content,
            cancellationToken).ConfigureAwait(false);

        LogLabelled(logger, hospital, id, label!, added.Status);
        return await results.UpdateAsync(hospital, id, r => r with
        {
            ConfirmedLabel = added.Image.Label,
            LabelledBy = added.Image.LabelledBy,
            LabelledUtc = added.Image.LabelledUtc,
            LabelledImageBlobName = added.Image.BlobName,
            UpdatedUtc = added.Image.LabelledUtc > r.UpdatedUtc ? added.Image.LabelledUtc : r.UpdatedUtc,
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BinaryData> DownloadScoredImageAsync(TriageResult result, CancellationToken cancellationToken)
    {
        BlobClient source = blobs.GetBlobContainerClient(result.ImageContainer).GetBlobClient(result.ImageBlobName);
        BinaryData content;
        try
        {
            content = (await source.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new TriageRequestException(TriageErrorCodes.ImageChanged,
                $"The image of result {result.Id} no longer exists, so it cannot be added to the training data.");
        }

        if (ModelPackage.Sha256Hex(content.ToMemory().Span) != result.ContentSha256)
        {
            throw new TriageRequestException(TriageErrorCodes.ImageChanged,
                $"The blob behind result {result.Id} was overwritten after scoring; its new content will get its own result to label.");
        }

        return content;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Result {Hospital}/{ResultId} labelled {Label} ({Status})")]
    private static partial void LogLabelled(ILogger logger, string hospital, string resultId, string label, LabelledImageAddStatus status);
}
