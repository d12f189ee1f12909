using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// The published models in blob storage: <c>models/{version}/</c> holds <c>model.onnx</c>, <c>manifest.json</c>, the
/// training weights (<c>weights.pt</c>, in packages that carry them),
/// <c>report.html</c>, <c>metrics.json</c>, figures and the dataset manifest; <c>models/current.json</c> names the
/// version being served and is only ever switched with an ETag-conditional write.
/// </summary>
public interface IModelRegistry
{
    /// <summary>The pointer to the served version, or null when nothing is published yet.</summary>
    Task<CurrentModelPointer?> GetCurrentAsync(CancellationToken cancellationToken = default);

    /// <summary>Downloads and verifies a published package (ONNX and manifest: what serving needs, without the weights).</summary>
    Task<ModelPackage> LoadPackageAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>The manifest of a published version, or null when it was never (completely) published.</summary>
    Task<ModelManifest?> TryReadManifestAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Downloads the training weights of a published version, verified against its manifest.</summary>
    /// <exception cref="ModelVersionNotFoundException">The version is not published.</exception>
    /// <exception cref="InvalidModelWeightsException">The version carries no weights, or they are missing or corrupt.</exception>
    Task<byte[]> LoadWeightsAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Manifests of every published version, newest first.</summary>
    Task<IReadOnlyList<ModelManifest>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Uploads <paramref name="package"/> and the files of <paramref name="artifactsDirectory"/> (report, metrics,
    /// figures) under <c>models/{version}/</c>, then switches <c>current.json</c> to it if it still has
    /// <paramref name="expectedCurrentETag"/> (null: expects no current model).
    /// </summary>
    /// <exception cref="ModelRegistryConflictException">Someone else switched the current model meanwhile.</exception>
    Task<CurrentModelPointer> PublishAsync(
        ModelPackage package, string? artifactsDirectory, string? expectedCurrentETag, CancellationToken cancellationToken = default);

    /// <summary>Switches <c>current.json</c> back to an already published version.</summary>
    Task<CurrentModelPointer> RollbackAsync(string version, string reason, CancellationToken cancellationToken = default);
}

/// <summary>Content of <c>models/current.json</c> plus the blob's ETag.</summary>
public sealed record CurrentModelPointer(string Version, string OnnxSha256, DateTimeOffset SwitchedUtc, string Reason, string ETag);

/// <summary><c>current.json</c> changed between read and conditional write.</summary>
public sealed class ModelRegistryConflictException : Exception
{
    public ModelRegistryConflictException()
    {
    }

    public ModelRegistryConflictException(string message)
        : base(message)
    {
    }

    public ModelRegistryConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
