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
    /// leaves no orphan megabytes. Never the current version: a same-model publisher that found our manifest may have
    /// switched to it. A failed clean-up is logged and does not hide the conflict.
    /// </summary>
    private async Task DeleteLosingVersionAsync(string version, CancellationToken cancellationToken)
    {
        try
        {
            CurrentModelPointer? current = await GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            if (current?.Version == version)
            {
                return;
            }

            // Manifest first: from then on the version is unpublished, even if deleting the rest fails half-way.
            await _container.DeleteBlobIfExistsAsync($"{version}/{ModelManifest.FileName}", cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            int deleted = 1;
            await foreach (BlobItem blob in _container
                .GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: version + "/", cancellationToken)
                .ConfigureAwait(false))
            {
                await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                deleted++;
            }

            LogLosingVersionDeleted(_logger, version, deleted);
        }
        catch (Exception ex) when (ex is RequestFailedException or InvalidModelPackageException)
        {
            LogLosingVersionKept(_logger, ex, version);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Lost the current.json switch while publishing {Version}; deleted the {Count} blobs this publisher uploaded")]
    private static partial void LogLosingVersionDeleted(ILogger logger, string version, int count);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Lost the current.json switch while publishing {Version}, and could not delete its blobs: it stays as an unserved version")]
    private static partial void LogLosingVersionKept(ILogger logger, Exception exception, string version);
}
