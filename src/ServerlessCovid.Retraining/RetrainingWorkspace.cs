using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Datasets;

namespace ServerlessCovid.Retraining;

/// <summary>
/// Everything a run keeps in the retraining container, and its local scratch copy. Activities may run on different
/// machines (or after a restart), so blob storage is the truth and local folders are only caches:
/// <c>datasets/{id}/snapshot.json</c>, <c>datasets/{id}/manifest.json</c> (with split),
/// <c>runs/{runId}/initial-weights/</c> (the run's pinned copy of the champion's weights, for a warm start),
/// <c>runs/{runId}/checkpoints/</c>, <c>runs/{runId}/candidate/</c> (package), <c>runs/{runId}/report/</c>,
/// <c>runs/{runId}/champion-report/</c>.
/// </summary>
public sealed class RetrainingWorkspace(BlobServiceClient blobs, IOptions<StorageOptions> storage, IOptions<RetrainingOptions> options)
{
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(storage.Value.RetrainingContainer);
    private readonly string _root = options.Value.ResolveWorkDirectory();

    public string ContainerName => _container.Name;

    public static string SnapshotBlob(string datasetId) => $"datasets/{datasetId}/snapshot.json";

    public static string SplitManifestBlob(string datasetId) => $"datasets/{datasetId}/manifest.json";

    public static string InitialWeightsPrefix(string runId) => $"runs/{runId}/initial-weights/";

    public static string CheckpointPrefix(string runId) => $"runs/{runId}/checkpoints/";

    public static string CandidatePrefix(string runId) => $"runs/{runId}/candidate/";

    public static string ReportPrefix(string runId) => $"runs/{runId}/report/";

    public static string ChampionReportPrefix(string runId) => $"runs/{runId}/champion-report/";

    public string LocalRunDirectory(string runId, string part) => Path.Combine(_root, "runs", runId, part);

    /// <summary>Writes a manifest once; a retried activity finding it already written keeps the first one (immutable).</summary>
    public async Task<DatasetManifest> WriteManifestOnceAsync(string blobName, DatasetManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await _container.GetBlobClient(blobName).UploadAsync(
                BinaryData.FromString(manifest.ToJson()),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken).ConfigureAwait(false);
            return manifest;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await ReadManifestAsync(blobName, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<DatasetManifest> ReadManifestAsync(string blobName, CancellationToken cancellationToken)
    {
        BlobDownloadResult content = (await _container.GetBlobClient(blobName)
            .DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
        return DatasetManifest.FromJson(content.Content.ToString());
    }

    /// <summary>
    /// Where an image of a dataset lives locally: <c>{work}/datasets/{id}/{class}/{file}</c>. Deterministic, because the
    /// trainer's checkpoint records image paths and a later activity (maybe on another instance) must find them again.
    /// </summary>
    public string LocalImagePath(string datasetId, DatasetItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Path.Combine(_root, "datasets", datasetId, item.Label, item.LocalFileName);
    }

    /// <summary>Downloads a split dataset into class folders, skipping files an earlier activity here already fetched.</summary>
    public async Task<MaterializedDataset> MaterializeAsync(DatasetManifest manifest, ILabelledImageSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(source);
        List<LabelledFile> training = [];
        List<LabelledFile> validation = [];
        foreach (DatasetItem item in manifest.Items)
        {
            string path = LocalImagePath(manifest.DatasetId, item);
            if (!File.Exists(path) || (item.Bytes > 0 && new FileInfo(path).Length != item.Bytes))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                string partial = path + ".part";
                await source.DownloadAsync(item, partial, cancellationToken).ConfigureAwait(false);
                File.Move(partial, path, overwrite: true);
            }

            (item.Subset == DatasetSubset.Validation ? validation : training).Add(new LabelledFile(path, item.Label, item.GroupId, item.Source));
        }

        return new MaterializedDataset(manifest, Path.Combine(_root, "datasets", manifest.DatasetId), training, validation);
    }

    /// <summary>Copies every blob under <paramref name="prefix"/> into <paramref name="directory"/> (flat names).</summary>
    public async Task<int> DownloadPrefixAsync(string prefix, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        if (!await _container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        int count = 0;
        await foreach (BlobItem blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            string relative = blob.Name[prefix.Length..];
            string path = Path.Combine(directory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await _container.GetBlobClient(blob.Name).DownloadToAsync(path, cancellationToken).ConfigureAwait(false);
            count++;
        }

        return count;
    }

    /// <summary>Uploads every file of <paramref name="directory"/> (recursively) under <paramref name="prefix"/>.</summary>
    public async Task UploadDirectoryAsync(string directory, string prefix, CancellationToken cancellationToken)
    {
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        // JSON last: a checkpoint's state file names the checksums of its weight files, so it must never arrive first.
        IEnumerable<string> files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .OrderBy(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .ThenBy(f => f, StringComparer.Ordinal);
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            await _container.GetBlobClient(prefix + relative).UploadAsync(file, overwrite: true, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task UploadBlobAsync(string blobName, BinaryData content, CancellationToken cancellationToken)
    {
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _container.GetBlobClient(blobName).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A fresh local folder (an earlier attempt's leftovers must not mix with this attempt's files).</summary>
    public static string ResetDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        return directory;
    }
}

/// <summary>An image on local disk with its label (and patient id, for the evaluation's dataset audit).</summary>
public sealed record LabelledFile(string Path, string Label, string? GroupId, string? Source = null);

/// <summary>A split dataset on local disk (class folders under <see cref="Directory"/>), as lists per side.</summary>
public sealed record MaterializedDataset(
    DatasetManifest Manifest,
    string Directory,
    IReadOnlyList<LabelledFile> Training,
    IReadOnlyList<LabelledFile> Validation);
