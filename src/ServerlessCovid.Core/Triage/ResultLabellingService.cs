using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// Stores a clinician's confirmed label on a result and copies the exact bytes that were scored into the
/// labelled-image store (<c>{label}/{hospital}/{resultId}-{sha12}.{ext}</c>) for the next retraining. The result row
/// is the one source of truth: the label is written there first, under the row's ETag, and the labelled store is then
/// made to mirror whatever label the row holds, re-read after every mirroring, so two clinicians labelling one result
/// at once cannot leave a copy under each label. Idempotent: the same label again changes nothing; the other label
/// moves the copy. The copy's id carries the content hash, because a blob result's id is per blob name and the
/// hospital may later upload different bytes under that name.
/// </summary>
public sealed partial class ResultLabellingService(
    TriageResultStore results,
    LabelledImageStore labelled,
    BlobServiceClient blobs,
    TimeProvider time,
    ILogger<ResultLabellingService> logger)
{
    // Each extra round follows one relabelling by someone else during this call. Far more than clinicians relabel
    // one result at once; past it the caller is told to send the label again rather than kept waiting.
    private const int MaxMirrorRounds = 64;

    /// <summary>
    /// Returns the result as this label left it, or null when the hospital has no such result. Concurrent labels of
    /// one result land one after another in the row's ETag order, so the last one wins, as if they had been sent one
    /// by one; whatever the interleaving, once every call has returned the labelled store holds exactly one copy,
    /// under the label the row holds.
    /// </summary>
    /// <exception cref="TriageRequestException">Bad label or labeller, unlabellable result, changed image, or a label conflict.</exception>
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

        // Everything that can refuse the label is checked before the row changes, so a refused label leaves no trace.
        DateTimeOffset labelledUtc = WholeMilliseconds(time.GetUtcNow());
        string copyBlobName = LabelledImageStore.BlobNameFor(CopyRequest(result, label!, labelledBy, labelledUtc));
        BinaryData content = await DownloadScoredImageAsync(result, cancellationToken).ConfigureAwait(false);
        TriageResult? accepted = await WriteLabelAsync(result, label!, labelledBy, labelledUtc, copyBlobName, cancellationToken).ConfigureAwait(false);
        if (accepted is null)
        {
            return null;
        }

        await MirrorRowAsync(accepted, content, cancellationToken).ConfigureAwait(false);
        return accepted;
    }

    /// <summary>The row is written only when its label differs, so repeats of the current label never contend.</summary>
    private async Task<TriageResult?> WriteLabelAsync(
        TriageResult scored, string label, string labelledBy, DateTimeOffset labelledUtc, string copyBlobName, CancellationToken cancellationToken)
    {
        try
        {
            return await results.UpdateAsync(scored.Hospital, scored.Id, row =>
            {
                if (row.ContentSha256 != scored.ContentSha256)
                {
                    throw ImageReplaced(scored.Id);
                }

                return row.ConfirmedLabel == label ? row : row with
                {
                    ConfirmedLabel = label,
                    LabelledBy = labelledBy,
                    LabelledUtc = labelledUtc,
                    LabelledImageBlobName = copyBlobName,
                    UpdatedUtc = labelledUtc > row.UpdatedUtc ? labelledUtc : row.UpdatedUtc,
                };
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new TriageRequestException(TriageErrorCodes.LabelConflict,
                $"Result {scored.Id} was being labelled by others at the same moment and this label lost every attempt; send it again.");
        }
    }

    /// <summary>
    /// Makes the labelled store match the row, then reads the row again: a label that landed meanwhile may have been
    /// undone by this mirroring (its copy deleted, or ours re-created), so the store is mirrored to it too. A call
    /// returns only after mirroring a label the row still held when read afterwards, so the last writer to read the
    /// row leaves the store matching it, and anything an earlier writer did came before that read.
    /// </summary>
    private async Task MirrorRowAsync(TriageResult accepted, BinaryData content, CancellationToken cancellationToken)
    {
        TriageResult truth = accepted;
        for (int round = 1; ; round++)
        {
            LabelledImageAddResult mirrored = await labelled.MirrorAsync(
                CopyRequest(truth, truth.ConfirmedLabel!, truth.LabelledBy ?? "unknown", truth.LabelledUtc), content, cancellationToken)
                .ConfigureAwait(false);
            LogMirrored(logger, truth.Hospital, truth.Id, truth.ConfirmedLabel!, mirrored.Status);
            TriageResult? reread = await results.GetAsync(truth.Hospital, truth.Id, cancellationToken).ConfigureAwait(false);
            if (reread?.ConfirmedLabel is null || reread.ContentSha256 != truth.ContentSha256 || SameLabelling(reread, truth))
            {
                // Unchanged, or the row no longer labels these bytes (deleted, or replaced by a new image): nothing to follow.
                return;
            }

            if (round == MaxMirrorRounds)
            {
                throw new TriageRequestException(TriageErrorCodes.LabelConflict,
                    $"Result {truth.Id} was relabelled {round} times while this label was being stored; send it again.");
            }

            LogRowChanged(logger, truth.Hospital, truth.Id, truth.ConfirmedLabel!, reread.ConfirmedLabel);
            truth = reread;
        }
    }

    private static bool SameLabelling(TriageResult a, TriageResult b) =>
        a.ConfirmedLabel == b.ConfirmedLabel && a.LabelledBy == b.LabelledBy && a.LabelledUtc == b.LabelledUtc;

    private static LabelledImageRequest CopyRequest(TriageResult result, string label, string labelledBy, DateTimeOffset? labelledUtc) => new()
    {
        Hospital = result.Hospital,
        Id = $"{result.Id}-{result.ContentSha256![..12]}",
        Label = label,
        // The sniffed format names the copy (DICOM as .dcm); an unknown one is passed on so the refusal names it.
        Extension = ImageFiles.ExtensionForFormat(result.ImageFormat) ?? result.ImageFormat ?? "bin",
        LabelledBy = labelledBy,
        LabelledUtc = labelledUtc,
        Source = result.Source,
    };

    /// <summary>The row and the copy's metadata must show the same time; the table keeps no finer than this.</summary>
    private static DateTimeOffset WholeMilliseconds(DateTimeOffset time)
    {
        DateTimeOffset utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    private static TriageRequestException ImageReplaced(string id) => new(TriageErrorCodes.ImageChanged,
        $"The blob behind result {id} was overwritten after scoring; its new content will get its own result to label.");

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
            throw ImageReplaced(result.Id);
        }

        return content;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Result {Hospital}/{ResultId} labelled {Label}; labelled store {Status}")]
    private static partial void LogMirrored(ILogger logger, string hospital, string resultId, string label, LabelledImageAddStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Result {Hospital}/{ResultId} relabelled from {Label} to {NewLabel} by another request meanwhile; mirroring that")]
    private static partial void LogRowChanged(ILogger logger, string hospital, string resultId, string label, string newLabel);
}
