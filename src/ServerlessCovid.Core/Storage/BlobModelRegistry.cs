using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// <see cref="IModelRegistry"/> in blob storage. A version counts as published once its <c>manifest.json</c> exists:
/// it is written last, with If-None-Match:*, so versions are immutable and a half-finished upload is never listed
/// or served. <c>current.json</c> is only replaced with If-Match on the ETag the caller read (If-None-Match:* for the
/// first publish), so two publishers can never silently overwrite each other's switch.
/// </summary>
public sealed partial class BlobModelRegistry : IModelRegistry
{
    private readonly BlobContainerClient _container;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobModelRegistry> _logger;
    private readonly AsyncOnce _containerCreated;
    private readonly long _maxModelBytes;

    public BlobModelRegistry(
        BlobServiceClient blobs, IOptions<StorageOptions> options, TimeProvider time, ILogger<BlobModelRegistry> logger)
        : this(blobs, options, Options.Create(new ModelRegistryOptions()), time, logger)
    {
    }

    public BlobModelRegistry(
        BlobServiceClient blobs,
        IOptions<StorageOptions> options,
        IOptions<ModelRegistryOptions> registryOptions,
        TimeProvider time,
        ILogger<BlobModelRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registryOptions);
        _maxModelBytes = registryOptions.Value.MaxModelBytes;
        _container = blobs.GetBlobContainerClient(options.Value.ModelsContainer);
        _time = time;
        _logger = logger;
        _containerCreated = new AsyncOnce(ct => _container.CreateIfNotExistsAsync(cancellationToken: ct));
    }

    public async Task<CurrentModelPointer?> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Response<BlobDownloadResult> response = await _container.GetBlobClient(CurrentModelDocument.BlobName)
                .DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return CurrentModelDocument.Parse(response.Value.Content).ToPointer(response.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<ModelPackage> LoadPackageAsync(string version, CancellationToken cancellationToken = default)
    {
        ModelVersions.EnsureValid(version, nameof(version));
        Task<BinaryData?> manifest = DownloadArtifactAsync(version, ModelManifest.FileName, cancellationToken);
        Task<BinaryData?> onnx = DownloadArtifactAsync(version, ModelManifest.OnnxFileName, cancellationToken);
        BinaryData? manifestContent = await manifest.ConfigureAwait(false);
        BinaryData? onnxContent = await onnx.ConfigureAwait(false);
        if (manifestContent is null || onnxContent is null)
        {
            throw new ModelVersionNotFoundException(
                $"Model {version} is not published in container '{_container.Name}' (needs {ModelManifest.FileName} and {ModelManifest.OnnxFileName}).");
        }

        ModelPackage package = ModelPackage.FromContent(manifestContent.ToString(), onnxContent.ToArray());
        if (package.Manifest.Version != version)
        {
            throw new InvalidModelPackageException(
                $"The manifest under '{version}/' says version '{package.Manifest.Version}': the registry is inconsistent.");
        }

        return package;
    }

    public async Task<byte[]> LoadWeightsAsync(string version, CancellationToken cancellationToken = default)
    {
        ModelManifest manifest = await TryReadManifestAsync(version, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelVersionNotFoundException($"Model {version} is not published in container '{_container.Name}'.");
        if (manifest.Weights is not { } info)
        {
            throw new InvalidModelWeightsException($"Model {version} was published without weights.");
        }

        BinaryData content = await DownloadArtifactAsync(version, info.FileName, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidModelWeightsException($"Model {version} names {info.FileName}, but the blob is missing.");
        byte[] weights = content.ToArray();
        ModelPackage.VerifyWeights(manifest, weights);
        return weights;
    }

    public async Task<IReadOnlyList<ModelManifest>> ListAsync(CancellationToken cancellationToken = default)
    {
        List<ModelManifest> manifests = [];
        try
        {
            await foreach (BlobHierarchyItem item in _container
                .GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix: null, cancellationToken)
                .ConfigureAwait(false))
            {
                if (!item.IsPrefix)
                {
                    continue;
                }

                string version = item.Prefix.TrimEnd('/');
                ModelManifest? manifest = await TryReadManifestAsync(version, cancellationToken).ConfigureAwait(false);
                if (manifest is not null)
                {
                    manifests.Add(manifest);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        return [.. manifests
            .OrderByDescending(m => m.CreatedUtc)
            .ThenByDescending(m => m.Version, StringComparer.Ordinal)];
    }

    public async Task<CurrentModelPointer> PublishAsync(
        ModelPackage package, string? artifactsDirectory, string? expectedCurrentETag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        string version = package.Manifest.Version;
        ModelVersions.EnsureValid(version, nameof(package));
        if (artifactsDirectory is not null && !Directory.Exists(artifactsDirectory))
        {
            throw new DirectoryNotFoundException($"Artifacts directory '{artifactsDirectory}' does not exist.");
        }

        ServableModelCheck.EnsureServable(package);
        await _containerCreated.RunAsync(cancellationToken).ConfigureAwait(false);

        // Fail before uploading megabytes when the caller's view of current.json is already stale.
        CurrentModelPointer? current = await GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        if (current?.ETag != expectedCurrentETag)
        {
            throw Conflict(expectedCurrentETag, current);
        }

        OwnedVersion? owned = await UploadVersionAsync(package, artifactsDirectory, cancellationToken).ConfigureAwait(false);
        CurrentModelPointer pointer;
        try
        {
            pointer = await SwitchAsync(version, package.Manifest.OnnxSha256, "published", current, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ModelRegistryConflictException) when (owned is not null)
        {
            await DeleteLosingVersionAsync(owned, cancellationToken).ConfigureAwait(false);
            throw;
        }

        LogPublished(_logger, version, package.Manifest.OnnxSha256);
        return pointer;
    }

    public async Task<CurrentModelPointer> RollbackAsync(string version, string reason, CancellationToken cancellationToken = default)
    {
        ModelVersions.EnsureValid(version, nameof(version));
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ModelManifest manifest = await TryReadManifestAsync(version, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelVersionNotFoundException($"Cannot roll back to model {version}: it was never published.");
        await EnsureServableAsync(version, cancellationToken).ConfigureAwait(false);
        CurrentModelPointer? current = await GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        CurrentModelPointer pointer = await SwitchAsync(version, manifest.OnnxSha256, reason, current, cancellationToken)
            .ConfigureAwait(false);
        LogRolledBack(_logger, current?.Version, version, reason);
        return pointer;
    }

    /// <summary>One file of a published version (report, metrics, figures), or null when it does not exist.</summary>
    public async Task<BinaryData?> DownloadArtifactAsync(
        string version, string relativePath, CancellationToken cancellationToken = default)
    {
        ModelVersions.EnsureValid(version, nameof(version));
        if (!IsSafeRelativePath(relativePath))
        {
            throw new ArgumentException($"'{relativePath}' is not a relative artifact path.", nameof(relativePath));
        }

        try
        {
            // Streamed, so the length is known before any content is read: an oversized file is never downloaded.
            Response<BlobDownloadStreamingResult> response = await _container.GetBlobClient($"{version}/{relativePath}")
                .DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            using BlobDownloadStreamingResult download = response.Value;
            long length = download.Details.ContentLength;
            if (length > _maxModelBytes)
            {
                throw new InvalidModelPackageException(
                    $"{version}/{relativePath} is {length:N0} bytes; the limit is {_maxModelBytes:N0} (Models:MaxModelBytes).");
            }

            return await BinaryData.FromStreamAsync(download.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The manifest of a published version, or null when it was never (completely) published.</summary>
    public async Task<ModelManifest?> TryReadManifestAsync(string version, CancellationToken cancellationToken = default)
    {
        BinaryData? content = await DownloadArtifactAsync(version, ModelManifest.FileName, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        try
        {
            return ModelManifest.FromJson(content.ToString());
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidModelPackageException($"{version}/{ModelManifest.FileName} is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Uploads the version's blobs, manifest last. Returns what this call wrote (blob names and their ETags) only when
    /// it wrote the manifest, i.e. owns the version folder; null when an earlier or concurrent publisher of the same
    /// model did.
    /// </summary>
    private async Task<OwnedVersion?> UploadVersionAsync(ModelPackage package, string? artifactsDirectory, CancellationToken cancellationToken)
    {
        string version = package.Manifest.Version;
        ModelManifest? existing = await TryReadManifestAsync(version, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            EnsureSameModel(existing, package.Manifest);
            return null;
        }

        Dictionary<string, ETag> uploaded = new(StringComparer.Ordinal);
        async Task UploadOwnedAsync(string blobName, BinaryData content)
        {
            BlobContentInfo info = await UploadAsync(blobName, content, null, cancellationToken).ConfigureAwait(false);
            uploaded[blobName] = info.ETag;
        }

        await UploadOwnedAsync($"{version}/{ModelManifest.OnnxFileName}", new BinaryData(package.Onnx)).ConfigureAwait(false);
        if (package.Manifest.Weights is { } weightsInfo)
        {
            ReadOnlyMemory<byte> weights = package.Weights ?? throw new InvalidOperationException(
                $"Model {version} was loaded without its weights; publishing it would name a missing file.");
            await UploadOwnedAsync($"{version}/{weightsInfo.FileName}", new BinaryData(weights)).ConfigureAwait(false);
        }

        if (artifactsDirectory is not null)
        {
            foreach (string file in Directory.EnumerateFiles(artifactsDirectory, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(artifactsDirectory, file).Replace('\\', '/');
                if (relative is ModelManifest.FileName or ModelManifest.OnnxFileName || relative == package.Manifest.Weights?.FileName)
                {
                    continue;
                }

                using FileStream stream = File.OpenRead(file);
                await UploadOwnedAsync($"{version}/{relative}", await BinaryData.FromStreamAsync(stream, cancellationToken).ConfigureAwait(false))
                    .ConfigureAwait(false);
            }
        }

        BinaryData manifest = BinaryData.FromString(package.Manifest.ToJson());
        try
        {
            BlobContentInfo info = await UploadAsync($"{version}/{ModelManifest.FileName}", manifest,
                new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken).ConfigureAwait(false);
            return new OwnedVersion(version, manifest, info.ETag, uploaded);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another publisher completed the same version between our check and our write.
            ModelManifest winner = await TryReadManifestAsync(version, cancellationToken).ConfigureAwait(false)
                ?? throw new ModelRegistryConflictException($"Model {version} changed while publishing.", ex);
            EnsureSameModel(winner, package.Manifest);
            return null;
        }
    }

    private static void EnsureSameModel(ModelManifest published, ModelManifest candidate)
    {
        if (!string.Equals(published.OnnxSha256, candidate.OnnxSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelRegistryConflictException(
                $"Model {candidate.Version} is already published with ONNX SHA-256 {published.OnnxSha256}; versions are "
                + "immutable, publish the new model under a new version.");
        }
    }

    /// <summary>The conditional write itself; internal so tests can prove the service enforces the condition.</summary>
    internal async Task<CurrentModelPointer> SwitchAsync(
        string version, string onnxSha256, string reason, CurrentModelPointer? current, CancellationToken cancellationToken)
    {
        CurrentModelDocument document = new(version, onnxSha256, _time.GetUtcNow(), reason, current?.Version);
        BlobRequestConditions conditions = current is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(current.ETag) };
        try
        {
            BlobContentInfo info = await UploadAsync(CurrentModelDocument.BlobName, document.ToBinaryData(), conditions, cancellationToken)
                .ConfigureAwait(false);
            return document.ToPointer(info.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new ModelRegistryConflictException(
                $"{CurrentModelDocument.BlobName} changed since it was read (expected {current?.ETag ?? "no current model"}); "
                + "read the current model again and retry.", ex);
        }
    }

    private async Task<BlobContentInfo> UploadAsync(
        string blobName, BinaryData content, BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        BlobUploadOptions options = new()
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = ContentTypes.ForFileName(blobName) },
            Conditions = conditions,
        };
        // Through the creation guard: a models container deleted while the process runs comes back on the next publish.
        Response<BlobContentInfo> response = await _containerCreated.RunAsync(
            ct => _container.GetBlobClient(blobName).UploadAsync(content, options, ct), cancellationToken).ConfigureAwait(false);
        return response.Value;
    }

    private static ModelRegistryConflictException Conflict(string? expected, CurrentModelPointer? current) =>
        new($"The current model is {current?.Version ?? "none"} (ETag {current?.ETag ?? "none"}), not the expected "
            + $"ETag {expected ?? "none"}: someone switched it meanwhile. Read the current model again and retry.");

    private static bool IsSafeRelativePath(string path) =>
        !string.IsNullOrWhiteSpace(path)
        && !path.StartsWith('/')
        && !path.Contains('\\', StringComparison.Ordinal)
        && path.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");

    [LoggerMessage(Level = LogLevel.Information, Message = "Published model {Version} (ONNX SHA-256 {Sha256}) and made it current")]
    private static partial void LogPublished(ILogger logger, string version, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Current model switched from {From} back to {To}: {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string? from, string to, string reason);
}
