using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Datasets.Labelled;

public sealed partial class LabelledImageStore
{
    // Each attempt loses only to a concurrent delete or metadata change of the same copy, which needs another writer
    // acting on the same image at that very moment; a handful is plenty.
    private const int MaxMirrorAttempts = 16;

    /// <summary>
    /// Makes the copy under <paramref name="request"/>'s label, with its labeller and time, the image's only copy:
    /// creates it (or corrects its labeller and time), then deletes the copies under every other label. Unlike
    /// <see cref="AddAsync"/> it never chooses between labels: the caller keeps the label elsewhere (a result row)
    /// and must call again with that label whenever it changed while this ran, which is what stops two concurrent
    /// callers from leaving a copy under each label.
    /// </summary>
    /// <exception cref="LabelledImageStoreException">Invalid request, empty image, or the id already holds other bytes.</exception>
    public async Task<LabelledImageAddResult> MirrorAsync(
        LabelledImageRequest request, BinaryData content, CancellationToken cancellationToken = default)
    {
        (string extension, string sha) = CheckContent(request, content);
        DateTimeOffset labelledUtc = request.LabelledUtc ?? _time.GetUtcNow();
        Dictionary<string, string> metadata = Metadata(request, labelledUtc, sha);
        await _labelled.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        string blobName = LabelledImage.BlobNameFor(request.Label, request.Hospital, request.Id, extension);
        (ETag etag, bool created) = await EnsureCopyAsync(
            _labelled.GetBlobClient(blobName), content, extension, metadata, sha, cancellationToken).ConfigureAwait(false);

        List<LabelledImage> others = await FindAsync(
            request.Hospital, request.Id, ClassNames.InOutputOrder.Where(l => l != request.Label), cancellationToken).ConfigureAwait(false);
        foreach (LabelledImage other in others)
        {
            await _labelled.DeleteBlobIfExistsAsync(other.BlobName, cancellationToken: cancellationToken).ConfigureAwait(false);
            LogRelabelled(_logger, request.Hospital, request.Id, other.Label, request.Label);
        }

        LabelledImage stored = new(
            blobName, request.Hospital, request.Id, request.Label, extension, request.Source, request.GroupId,
            request.LabelledBy, labelledUtc, sha, Unquoted(etag), content.ToMemory().Length);
        LabelledImageAddStatus status = others.Count > 0 ? LabelledImageAddStatus.Relabelled
            : created ? LabelledImageAddStatus.Created
            : LabelledImageAddStatus.AlreadyPresent;
        return new LabelledImageAddResult(stored, status);
    }

    /// <summary>The request's file extension and the content's SHA-256, once both are known to be usable.</summary>
    private static (string Extension, string Sha256) CheckContent(LabelledImageRequest request, BinaryData content)
    {
        ArgumentNullException.ThrowIfNull(content);
        string extension = Validate(request);
        if (content.ToMemory().IsEmpty)
        {
            throw new LabelledImageStoreException(LabelledImageErrorCodes.EmptyImage, $"Image {request.Hospital}/{request.Id} is empty.");
        }

        return (extension, ModelPackage.Sha256Hex(content.ToMemory().Span));
    }

    /// <summary>
    /// Leaves <paramref name="blob"/> holding these bytes and exactly this metadata. Both writes are conditional, so a
    /// copy deleted or rewritten in between is noticed and the step starts over instead of writing blind.
    /// </summary>
    private static async Task<(ETag ETag, bool Created)> EnsureCopyAsync(
        BlobClient blob, BinaryData content, string extension, Dictionary<string, string> metadata, string sha,
        CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Response<BlobContentInfo> uploaded = await UploadNewAsync(blob, content, extension, metadata, cancellationToken).ConfigureAwait(false);
                return (uploaded.Value.ETag, true);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // A copy exists already; judged below.
            }

            try
            {
                BlobProperties properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
                LabelledImage existing = FromProperties(blob.Name, properties.Metadata, properties.ETag, properties.ContentLength)!;
                if (!string.Equals(existing.Sha256, sha, StringComparison.OrdinalIgnoreCase))
                {
                    throw ConflictingContent(existing);
                }

                if (metadata.All(m => properties.Metadata.TryGetValue(m.Key, out string? v) && v == m.Value))
                {
                    return (properties.ETag, false);
                }

                Response<BlobInfo> updated = await blob.SetMetadataAsync(
                    metadata, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
                return (updated.Value.ETag, false);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412 && attempt < MaxMirrorAttempts)
            {
                // Deleted or changed since we looked: look again.
            }
        }
    }
}
