using System.Globalization;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Platform;

/// <summary>The settings a training or benchmark number depends on, printed beside it, and the process's peak memory.</summary>
public static class RuntimeSettings
{
    /// <summary>One line: libtorch version, thread counts, OpenMP wait policy and where it came from, logical CPUs.</summary>
    public static string Describe()
    {
        TorchRuntime.EnsureInitialized();
        string policy = TorchRuntime.OpenMpWaitPolicy is { } p
            ? p + (TorchRuntime.OpenMpWaitPolicyDefaulted ? " (set natively before libtorch loaded)" : " (from the environment)")
            : "unset (libgomp default: spin, then sleep)";
        string isaOrigin = TorchRuntime.OneDnnMaxIsaDefaulted ? " (set natively)" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"libtorch {__version__} CPU: {get_num_threads()} intra-op threads, {get_num_interop_threads()} inter-op; "
            + $"OMP_WAIT_POLICY {policy}; OMP_NUM_THREADS {Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "unset"}; "
            + $"{Environment.ProcessorCount} logical CPUs; oneDNN ISA cap {TorchRuntime.OneDnnMaxIsa ?? "none"}{isaOrigin}.");
    }

    /// <summary>Peak resident set size of this process (Linux VmHWM), or 0 where it cannot be read.</summary>
    public static long PeakResidentBytes() => ProcessMemory.StatusBytes("VmHWM:");
}
