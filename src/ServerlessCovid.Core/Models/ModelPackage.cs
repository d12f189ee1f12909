using System.Security.Cryptography;
using System.Text.Json;

namespace ServerlessCovid.Core.Models;

/// <summary>
/// A servable model: <c>model.onnx</c> plus its <c>manifest.json</c>, verified against each other on load, and
/// optionally the training weights (<c>weights.pt</c>) that retraining starts from. The same format lives in a
/// folder (CLI, tests) and under a blob prefix (<c>models/{version}/</c>).
/// </summary>
public sealed class ModelPackage
{
    private ModelPackage(ModelManifest manifest, byte[] onnx, byte[]? weights)
    {
        Manifest = manifest;
        Onnx = onnx;

        // Not "Weights = weights" (nor "? null :"): null converts to an empty ReadOnlyMemory through byte[], not to null.
        if (weights is not null)
        {
            Weights = weights;
        }
    }

    public ModelManifest Manifest { get; }

    /// <summary>The ONNX model bytes, already checked against <see cref="ModelManifest.OnnxSha256"/>.</summary>
    public ReadOnlyMemory<byte> Onnx { get; }

    /// <summary>
    /// The training weights, checked against <see cref="ModelWeightsInfo.Sha256"/>; null when the package has none or
    /// they were not loaded (serving from blob storage does not download them).
    /// </summary>
    public ReadOnlyMemory<byte>? Weights { get; }

    /// <summary>Loads and verifies a package folder, its weights included when the manifest names them.</summary>
    /// <exception cref="InvalidModelPackageException">Missing files, malformed manifest or ONNX checksum mismatch.</exception>
    /// <exception cref="InvalidModelWeightsException">The weights the manifest names are missing or do not match.</exception>
    public static ModelPackage LoadFromDirectory(string directory)
    {
        string manifestPath = Path.Combine(directory, ModelManifest.FileName);
        string onnxPath = Path.Combine(directory, ModelManifest.OnnxFileName);
        if (!File.Exists(manifestPath) || !File.Exists(onnxPath))
        {
            throw new InvalidModelPackageException(
                $"'{directory}' is not a model package: it needs both {ModelManifest.FileName} and {ModelManifest.OnnxFileName}.");
        }

        byte[] onnx = File.ReadAllBytes(onnxPath);
        ModelPackage package = FromContent(File.ReadAllText(manifestPath), onnx);
        if (package.Manifest.Weights is not { } info)
        {
            return package;
        }

        string weightsPath = Path.Combine(directory, info.FileName);
        if (!File.Exists(weightsPath))
        {
            throw new InvalidModelWeightsException(
                $"Model {package.Manifest.Version}: the manifest names {info.FileName}, but '{directory}' has no such file.");
        }

        byte[] weights = File.ReadAllBytes(weightsPath);
        VerifyWeights(package.Manifest, weights);
        return new ModelPackage(package.Manifest, onnx, weights);
    }

    /// <summary>Verifies a manifest and ONNX bytes from any source (blob storage, memory); the weights are not loaded.</summary>
    public static ModelPackage FromContent(string manifestJson, byte[] onnx)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ModelManifest manifest;
        try
        {
            manifest = ModelManifest.FromJson(manifestJson);
        }
        catch (JsonException ex)
        {
            throw new InvalidModelPackageException($"{ModelManifest.FileName} is malformed: {ex.Message}", ex);
        }

        Validate(manifest);
        string actual = Sha256Hex(onnx);
        if (!string.Equals(actual, manifest.OnnxSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidModelPackageException(
                $"{ModelManifest.OnnxFileName} of model {manifest.Version} has SHA-256 {actual}, but the manifest says "
                + $"{manifest.OnnxSha256}: the package is corrupt or was tampered with.");
        }

        return new ModelPackage(manifest, onnx, null);
    }

    /// <summary>
    /// Builds a package from freshly exported ONNX bytes, filling in the SHA-256s. With <paramref name="weights"/>,
    /// <see cref="ModelManifest.Weights"/> must describe them (format and architecture); its checksum is filled in here.
    /// </summary>
    public static ModelPackage Create(ModelManifest manifest, byte[] onnx, byte[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(onnx);
        if ((weights is null) != (manifest.Weights is null))
        {
            throw new ArgumentException(
                weights is null
                    ? $"Model {manifest.Version}: the manifest describes weights, but none were given."
                    : $"Model {manifest.Version}: weights were given, but the manifest does not describe their format and architecture.",
                nameof(weights));
        }

        ModelManifest stamped = manifest with
        {
            OnnxSha256 = Sha256Hex(onnx),
            Weights = weights is null ? null : manifest.Weights! with { Sha256 = Sha256Hex(weights) },
        };
        Validate(stamped);
        return new ModelPackage(stamped, onnx, weights);
    }

    /// <summary>Writes <c>model.onnx</c>, the weights when present, and <c>manifest.json</c> (last) into <paramref name="directory"/>.</summary>
    public void SaveToDirectory(string directory)
    {
        if (Manifest.Weights is not null && Weights is null)
        {
            throw new InvalidOperationException(
                $"Model {Manifest.Version} was loaded without its weights; saving it would write a package that names a missing file.");
        }

        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, ModelManifest.OnnxFileName), Onnx.ToArray());
        if (Manifest.Weights is { } info && Weights is { } weights)
        {
            File.WriteAllBytes(Path.Combine(directory, info.FileName), weights.ToArray());
        }

        File.WriteAllText(Path.Combine(directory, ModelManifest.FileName), Manifest.ToJson());
    }

    /// <summary>Checks weights bytes against the manifest that names them.</summary>
    /// <exception cref="InvalidModelWeightsException">The manifest names no weights, or the bytes do not match.</exception>
    public static void VerifyWeights(ModelManifest manifest, ReadOnlySpan<byte> weights)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Weights is not { } info)
        {
            throw new InvalidModelWeightsException($"Model {manifest.Version} carries no weights.");
        }

        string actual = Sha256Hex(weights);
        if (!string.Equals(actual, info.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidModelWeightsException(
                $"{info.FileName} of model {manifest.Version} has SHA-256 {actual}, but the manifest says {info.Sha256}: "
                + "the weights are corrupt or were tampered with.");
        }
    }

    public static string Sha256Hex(ReadOnlySpan<byte> content) =>
        Convert.ToHexStringLower(SHA256.HashData(content));

    private static void Validate(ModelManifest manifest)
    {
        if (string.IsNullOrWhiteSpace(manifest.Version))
        {
            throw new InvalidModelPackageException("manifest.json has no version.");
        }

        if (manifest.ClassNames is null || manifest.ClassNames.Count < 2)
        {
            throw new InvalidModelPackageException($"Model {manifest.Version}: the manifest must list at least two class names.");
        }

        if (!manifest.ClassNames.Contains(manifest.PositiveClass))
        {
            throw new InvalidModelPackageException(
                $"Model {manifest.Version}: positive class '{manifest.PositiveClass}' is not one of its classes.");
        }

        if (manifest.PreprocessingId != Preprocessing.RgbStretchUnit256)
        {
            throw new InvalidModelPackageException(
                $"Model {manifest.Version} expects preprocessing '{manifest.PreprocessingId}', but this build implements "
                + $"'{Preprocessing.RgbStretchUnit256}' only.");
        }

        if (manifest.OperatingThreshold is < 0 or > 1 || double.IsNaN(manifest.OperatingThreshold))
        {
            throw new InvalidModelPackageException(
                $"Model {manifest.Version}: operating threshold {manifest.OperatingThreshold} is not a probability.");
        }

        if (manifest.Weights is { } weights)
        {
            ValidateWeights(manifest.Version, weights);
        }
    }

    private static void ValidateWeights(string version, ModelWeightsInfo weights)
    {
        // The name becomes a file and a blob name: a path or another package file would be a way out of the package.
        string name = weights.FileName ?? string.Empty;
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0
            || name is ModelManifest.FileName or ModelManifest.OnnxFileName)
        {
            throw new InvalidModelPackageException($"Model {version}: '{name}' is not a valid weights file name.");
        }

        if (string.IsNullOrWhiteSpace(weights.Format) || weights.Architecture.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidModelPackageException(
                $"Model {version}: the weights must name their format and the architecture (a JSON object) they belong to.");
        }
    }
}

/// <summary>
/// A package's training weights cannot be used (missing, or not what the manifest says). Separate from
/// <see cref="InvalidModelPackageException"/> because the ONNX model may still be perfectly servable.
/// </summary>
public sealed class InvalidModelWeightsException : Exception
{
    public InvalidModelWeightsException()
    {
    }

    public InvalidModelWeightsException(string message)
        : base(message)
    {
    }

    public InvalidModelWeightsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A model package that must not be served: missing files, malformed manifest, checksum mismatch.</summary>
public sealed class InvalidModelPackageException : Exception
{
    public InvalidModelPackageException()
    {
    }

    public InvalidModelPackageException(string message)
        : base(message)
    {
    }

    public InvalidModelPackageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
