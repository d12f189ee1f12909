using System.Security.Cryptography;
using System.Text.Json;

namespace ServerlessCovid.Core.Models;

/// <summary>
/// A servable model: <c>model.onnx</c> plus its <c>manifest.json</c>, verified against each other on load.
/// The same format lives in a folder (CLI, tests) and under a blob prefix (<c>models/{version}/</c>).
/// </summary>
public sealed class ModelPackage
{
    private ModelPackage(ModelManifest manifest, byte[] onnx)
    {
        Manifest = manifest;
        Onnx = onnx;
    }

    public ModelManifest Manifest { get; }

    /// <summary>The ONNX model bytes, already checked against <see cref="ModelManifest.OnnxSha256"/>.</summary>
    public ReadOnlyMemory<byte> Onnx { get; }

    /// <summary>Loads and verifies a package folder.</summary>
    public static ModelPackage LoadFromDirectory(string directory)
    {
        string manifestPath = Path.Combine(directory, ModelManifest.FileName);
        string onnxPath = Path.Combine(directory, ModelManifest.OnnxFileName);
        if (!File.Exists(manifestPath) || !File.Exists(onnxPath))
        {
            throw new InvalidModelPackageException(
                $"'{directory}' is not a model package: it needs both {ModelManifest.FileName} and {ModelManifest.OnnxFileName}.");
        }

        return FromContent(File.ReadAllText(manifestPath), File.ReadAllBytes(onnxPath));
    }

    /// <summary>Verifies a manifest and ONNX bytes from any source (blob storage, memory).</summary>
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

        return new ModelPackage(manifest, onnx);
    }

    /// <summary>Builds a package from freshly exported ONNX bytes, filling in the SHA-256.</summary>
    public static ModelPackage Create(ModelManifest manifest, byte[] onnx)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(onnx);
        ModelManifest stamped = manifest with { OnnxSha256 = Sha256Hex(onnx) };
        Validate(stamped);
        return new ModelPackage(stamped, onnx);
    }

    /// <summary>Writes <c>model.onnx</c> and <c>manifest.json</c> into <paramref name="directory"/>.</summary>
    public void SaveToDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, ModelManifest.OnnxFileName), Onnx.ToArray());
        File.WriteAllText(Path.Combine(directory, ModelManifest.FileName), Manifest.ToJson());
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
