using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Core.Storage;

/// <summary>Settings section <c>Models</c>: what the model registry agrees to download.</summary>
public sealed class ModelRegistryOptions
{
    public const string SectionName = "Models";

    /// <summary>
    /// Largest model artifact (ONNX graph, weights, any file of a version) the registry downloads; a larger blob is
    /// refused from its length, before any byte is read, as an <see cref="Models.InvalidModelPackageException"/>.
    /// The NASNet-A Mobile package is about 20 MB.
    /// </summary>
    [Range(1024, 4L * 1024 * 1024 * 1024)]
    public long MaxModelBytes { get; set; } = 128L * 1024 * 1024;
}
