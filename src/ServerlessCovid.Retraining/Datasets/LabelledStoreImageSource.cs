using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Retraining.Datasets;

/// <summary>
/// The labelled-image store (<see cref="LabelledImageStore"/>: <c>{label}/{hospital}/{id}.{ext}</c> plus metadata)
/// seen through <see cref="ILabelledImageSource"/>. The store lists; this class pins every listed image with a blob
/// snapshot (copy-on-write, immutable), so a run trains and validates on exactly what it froze even while
/// hospitals keep labelling, relabelling or deleting, and every download is checked against the recorded SHA-256.
/// </summary>
public sealed class LabelledStoreImageSource(LabelledImageStore store, BlobServiceClient blobs, IOptions<StorageOptions> storage)
    : ILabelledImageSource
{
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(storage.Value.LabelledContainer);

    public string SourceName => _container.Name;

    public async Task<IReadOnlyList<DatasetItem>> FreezeAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<LabelledImage> images = await store.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        List<DatasetItem> items = new(images.Count);
        foreach (LabelledImage image in images)
        {
            BlobSnapshotInfo snapshot = (await _container.GetBlobClient(image.BlobName)
                .CreateSnapshotAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            items.Add(new DatasetItem
            {
                Blob = image.BlobName,
                Label = image.Label,
                Hospital = image.Hospital,
                Snapshot = snapshot.Snapshot,
                GroupId = image.GroupId.Length > 0 ? image.GroupId : null,
                Source = image.Source.Length > 0 ? image.Source : null,
                Sha256 = image.Sha256.Length > 0 ? image.Sha256 : null,
                Bytes = image.Size,
            });
        }

        return items;
    }

    public async Task DownloadAsync(DatasetItem item, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        BlobClient client = _container.GetBlobClient(item.Blob);
        if (item.Snapshot is not null)
        {
            client = client.WithSnapshot(item.Snapshot);
        }

        await client.DownloadToAsync(path, cancellationToken).ConfigureAwait(false);
        if (item.Sha256 is not null)
        {
            string actual;
            using (FileStream file = File.OpenRead(path))
            {
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
            }

            if (!string.Equals(actual, item.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(path);
                throw new PermanentRetrainingException(
                    $"Labelled image {item.Blob} (snapshot {item.Snapshot}) has SHA-256 {actual}, but the store recorded {item.Sha256}.");
            }
        }
    }
}
