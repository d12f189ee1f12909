using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Storage;

/// <summary>What the registry refuses or cleans up so that <c>current.json</c> only ever names a servable package.</summary>
public sealed partial class BlobModelRegistry
{
    /// <summary>Downloads a published version as serving would and opens it in ONNX Runtime.</summary>
    /// <exception cref="ModelNotServableException">Corrupt blobs, an unloadable graph or a manifest it does not match.</exception>
    private async Task EnsureServableAsync(string version, CancellationToken cancellationToken)
    {
        ModelPackage package;
        try
        {
            package = await LoadPackageAsync(version, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidModelPackageException ex)
        {
            throw new ModelNotServableException($"Model {version} is not servable: {ex.Message}", ex);
        }

        ServableModelCheck.EnsureServable(package);
    }

    /// <summary>
    /// After losing the <c>current.json</c> switch, deletes the version folder this publisher created, so a lost race
    /// leaves no orphan megabytes, but never a folder <c>current.json</c> points to or may still be switched to. A
    /// same-model publisher that found our manifest may switch to this version at any moment, and blob storage cannot
    /// make a delete conditional on another blob's ETag. So: (1) delete our manifest (If-Match on its ETag), which
    /// unpublishes the version for every later reader; (2) touch <c>current.json</c>'s metadata with If-Match on the
    /// ETag read before step 1: success proves nobody switched in between, and the new ETag makes every switch
    /// prepared by someone who saw our manifest fail with a conflict (they retry and upload their own copy);
    /// (3) only then delete our other blobs, each If-Match on the ETag we wrote, so a blob a re-publisher just wrote
    /// is never removed. When step 2 fails, <c>current.json</c> is read again: if it names this version, the manifest
    /// is restored and nothing else is deleted; otherwise the touch is retried against the new ETag. Re-reading alone
    /// (without the touch) would leave a window between that read and the deletes. A failed clean-up is logged and
    /// does not hide the conflict; the touch makes serving instances re-read <c>current.json</c> once.
    /// </summary>
    private async Task DeleteLosingVersionAsync(OwnedVersion owned, CancellationToken cancellationToken)
    {
        try
        {
            CurrentModelPointer? observed = await GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            await DeleteLosingVersionAsync(owned, observed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or InvalidModelPackageException)
        {
            LogLosingVersionKept(_logger, ex, owned.Version);
        }
    }

    /// <summary>The clean-up against the <c>current.json</c> this publisher read; internal so tests can interleave a switch.</summary>
    /// <returns>True when the folder was deleted; false when it was kept because it is (or may become) current.</returns>
    internal async Task<bool> DeleteLosingVersionAsync(OwnedVersion owned, CurrentModelPointer? observed, CancellationToken cancellationToken)
    {
        string version = owned.Version;
        string manifestBlob = $"{version}/{ModelManifest.FileName}";
        if (observed is null || observed.Version == version)
        {
            // No current.json to fence with, or already switched to us: keep the folder.
            return false;
        }

        await _container.GetBlobClient(manifestBlob).DeleteIfExistsAsync(
            conditions: new BlobRequestConditions { IfMatch = owned.ManifestETag }, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await _container.GetBlobClient(CurrentModelDocument.BlobName).SetMetadataAsync(
                    new Dictionary<string, string> { ["fencedversion"] = version },
                    new BlobRequestConditions { IfMatch = new ETag(observed.ETag) },
                    cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
            {
                observed = await GetCurrentAsync(cancellationToken).ConfigureAwait(false);
                if (observed is null || observed.Version == version || attempt >= 5)
                {
                    await RestoreManifestAsync(owned, cancellationToken).ConfigureAwait(false);
                    LogLosingVersionRestored(_logger, version, observed?.Version);
                    return false;
                }
            }
        }

        int deleted = 1;
        foreach ((string blobName, ETag etag) in owned.Blobs)
        {
            Response<bool> response = await _container.GetBlobClient(blobName).DeleteIfExistsAsync(
                conditions: new BlobRequestConditions { IfMatch = etag }, cancellationToken: cancellationToken).ConfigureAwait(false);
            deleted += response.Value ? 1 : 0;
        }

        LogLosingVersionDeleted(_logger, version, deleted);
        return true;
    }

    private async Task RestoreManifestAsync(OwnedVersion owned, CancellationToken cancellationToken)
    {
        try
        {
            await UploadAsync($"{owned.Version}/{ModelManifest.FileName}", owned.Manifest,
                new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // A same-model publisher wrote the manifest again meanwhile: the folder is whole either way.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Lost the current.json switch while publishing {Version}; deleted the {Count} blobs this publisher uploaded")]
    private static partial void LogLosingVersionDeleted(ILogger logger, string version, int count);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Lost the current.json switch while publishing {Version}, but current.json changed during clean-up (now {Current}); kept the folder and its manifest")]
    private static partial void LogLosingVersionRestored(ILogger logger, string version, string? current);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Lost the current.json switch while publishing {Version}, and could not delete its blobs: it stays as an unserved version")]
    private static partial void LogLosingVersionKept(ILogger logger, Exception exception, string version);
}

/// <summary>The blobs one publisher wrote for a version it owns (it wrote the manifest), with the ETags it got back.</summary>
internal sealed record OwnedVersion(string Version, BinaryData Manifest, ETag ManifestETag, IReadOnlyDictionary<string, ETag> Blobs);
