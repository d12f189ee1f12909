using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Retraining.Datasets;

/// <summary>
/// Reads the labelled-image layout <c>labelled/{label}/{hospital}/{id}.{ext}</c> (metadata <c>patientid</c> or
/// <c>groupid</c>, and <c>source</c>). Each image is pinned with a blob snapshot, which is cheap (copy-on-write) and
/// immutable, so a run keeps training on exactly what it froze even while hospitals keep labelling.
/// </summary>
public sealed class BlobLabelledImageSource(BlobServiceClient blobs, IOptions<StorageOptions> storage) : ILabelledImageSource
{
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(storage.Value.LabelledContainer);

    public string SourceName => _container.Name;

    public async Task<IReadOnlyList<DatasetItem>> FreezeAsync(CancellationToken cancellationToken = default)
    {
        List<DatasetItem> items = [];
        if (!await _container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return items;
        }

        await foreach (BlobItem blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix: null, cancellationToken)
            .ConfigureAwait(false))
        {
            string[] parts = blob.Name.Split('/');
            if (parts.Length < 2 || !ClassNames.IsKnown(parts[0]))
            {
                continue;
            }

            BlobSnapshotInfo snapshot = (await _container.GetBlobClient(blob.Name)
                .CreateSnapshotAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            items.Add(new DatasetItem
            {
                Blob = blob.Name,
                Label = parts[0],
                Hospital = parts.Length >= 3 ? parts[1] : null,
                Snapshot = snapshot.Snapshot,
                GroupId = Metadata(blob, "patientid") ?? Metadata(blob, "groupid"),
                Source = Metadata(blob, "source"),
                ContentMd5 = blob.Properties.ContentHash is { Length: > 0 } hash ? Convert.ToBase64String(hash) : null,
                Bytes = blob.Properties.ContentLength ?? 0,
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
    }

    private static string? Metadata(BlobItem blob, string key)
    {
        foreach (KeyValuePair<string, string> pair in blob.Metadata)
        {
            if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(pair.Value))
            {
                return pair.Value;
            }
        }

        return null;
    }
}
