using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Opens a package in a real ONNX Runtime session, the way serving will, before the registry points
/// <c>current.json</c> at it: a package every instance would refuse must never become current.
/// </summary>
internal static class ServableModelCheck
{
    // CPU with one thread whatever serving is configured for: the question is whether the graph loads and matches
    // its manifest, which no execution provider changes, and the check must not occupy a GPU or every core.
    private static readonly OnnxSessionFactory CpuSessions = new(
        Options.Create(new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu, IntraOpThreads = 1 }),
        NullLogger<OnnxSessionFactory>.Instance);

    /// <exception cref="ModelNotServableException">ONNX Runtime cannot load the graph, or it does not match the manifest.</exception>
    public static void EnsureServable(ModelPackage package)
    {
        string version = package.Manifest.Version;
        try
        {
            using OnnxSession session = CpuSessions.Create(package.Onnx);
            ModelSignature.Validate(session.Session, package.Manifest);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelNotServableException(
                $"Model {version} is not servable: ONNX Runtime cannot load its {ModelManifest.OnnxFileName} ({ex.Message}).", ex);
        }
        catch (InvalidModelPackageException ex)
        {
            throw new ModelNotServableException($"Model {version} is not servable: {ex.Message}", ex);
        }
    }
}
