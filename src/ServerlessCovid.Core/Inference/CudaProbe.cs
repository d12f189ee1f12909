using System.Runtime.InteropServices;

namespace ServerlessCovid.Core.Inference;

/// <summary>Whether ONNX Runtime's CUDA execution provider can load here, and if not, the first library missing.</summary>
/// <param name="Available">Every library the provider needs was found.</param>
/// <param name="Reason">What was found or what is missing, in one sentence.</param>
public sealed record CudaAvailability(bool Available, string Reason);

/// <summary>
/// Looks for the CUDA libraries ONNX Runtime's CUDA provider links against (<c>readelf -d
/// libonnxruntime_providers_cuda.so</c> for ONNX Runtime 1.31: the driver, CUDA 13 runtime, cuBLAS, cuBLASLt, cuRAND,
/// plus cuDNN 9, loaded later) with <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/>, before any session asks
/// ONNX Runtime for CUDA. On a CPU-only machine ONNX Runtime's own attempt fails with a red native error line on
/// stderr that no .NET logger can filter; probing first keeps CPU start-ups quiet and gives a readable reason.
/// </summary>
public static class CudaProbe
{
    /// <summary>The libraries probed, in order; the driver first, because without it nothing else matters.</summary>
    public static readonly IReadOnlyList<string> Libraries =
    [
        "libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9",
    ];

    private static readonly Lazy<CudaAvailability> Cached = new(() => Probe(Libraries));

    /// <summary>The probe of <see cref="Libraries"/>, done once per process (libraries do not appear while it runs).</summary>
    public static CudaAvailability Current => Cached.Value;

    /// <summary>
    /// Probes <paramref name="libraries"/>. Found libraries stay loaded: ONNX Runtime loads the same ones right after,
    /// and unloading CUDA libraries mid-process is riskier than keeping them.
    /// </summary>
    public static CudaAvailability Probe(IEnumerable<string> libraries)
    {
        ArgumentNullException.ThrowIfNull(libraries);
        if (!OperatingSystem.IsLinux())
        {
            // The GPU package here is Linux-only; elsewhere ONNX Runtime decides (and CPU is the fallback).
            return new CudaAvailability(true, "not probed on this operating system");
        }

        List<string> found = [];
        foreach (string library in libraries)
        {
            if (!NativeLibrary.TryLoad(library, out _))
            {
                string reason = library == "libcuda.so.1"
                    ? "no NVIDIA driver (libcuda.so.1 not found)"
                    : $"{library} not found (install the CUDA 13 and cuDNN 9 runtime libraries)";
                return new CudaAvailability(false, reason);
            }

            found.Add(library);
        }

        return new CudaAvailability(true, "CUDA libraries found: " + string.Join(", ", found));
    }
}
