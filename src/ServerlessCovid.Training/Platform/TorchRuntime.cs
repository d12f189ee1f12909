using System.Runtime.InteropServices;

namespace ServerlessCovid.Training.Platform;

/// <summary>
/// Call <see cref="EnsureInitialized"/> before the first TorchSharp call. On machines whose libstdc++ predates
/// GCC 13 the build patched libLibTorchSharp.so and placed a compat library beside it (see
/// build/TorchSharp/TorchSharp.Debian12.targets); it must be loaded globally before libLibTorchSharp.so so its
/// <c>std::ios_base_library_init()</c> and stream initialisation are there first. Elsewhere that part does nothing.
/// It also makes libtorch's OpenMP threads sleep rather than spin while they wait (see <see cref="OpenMpWaitPolicy"/>).
/// </summary>
public static partial class TorchRuntime
{
    /// <summary>File name of the compat library the build produces only where it is needed.</summary>
    public const string CompatLibraryName = "libServerlessCovidStdcxxCompat.so";

    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    private static readonly Lock Gate = new();
    private static bool _initialized;

    /// <summary>Path of the compat library that was loaded, or null when none was needed.</summary>
    public static string? LoadedCompatLibrary { get; private set; }

    /// <summary>
    /// <c>OMP_WAIT_POLICY</c> as libgomp saw it when libtorch loaded. libgomp's default spins waiting threads for a
    /// while; on a machine shared with other work (a Functions host, a build, a second training run) that turned 2-thread
    /// steps of 1.6 s into 55–115 s. libgomp reads the variable once, natively, when it loads, so .NET's
    /// <see cref="Environment.SetEnvironmentVariable(string, string)"/> is too late and invisible to it: the process
    /// environment is set here with libc's setenv before the first TorchSharp call, unless the caller chose a policy.
    /// </summary>
    public static string? OpenMpWaitPolicy { get; private set; }

    /// <summary>True when <see cref="OpenMpWaitPolicy"/> was set by this class rather than by the environment.</summary>
    public static bool OpenMpWaitPolicyDefaulted { get; private set; }

    /// <summary>
    /// <c>ONEDNN_MAX_CPU_ISA</c> as oneDNN sees it. On this project's AMD EPYC (AVX-512) machine, libtorch 2.10's oneDNN
    /// computes some 1×1 convolutions of channels-last tensors wrongly with its AVX-512 kernels (88 → 44 channels at
    /// 32×32, the first normal cell's squeeze: errors of the size of the outputs), so a network trained channels-last
    /// learned a function its ONNX export does not compute. AVX2 kernels are exact there and as fast for this network
    /// (1.3–1.6 s per batch-8 step either way), so it is capped at AVX2 natively before libtorch loads, unless the
    /// caller chose; <see cref="Models.NasNet.ChannelsLastAgrees"/> still checks every training run.
    /// </summary>
    public static string? OneDnnMaxIsa { get; private set; }

    /// <summary>True when <see cref="OneDnnMaxIsa"/> was set by this class rather than by the environment.</summary>
    public static bool OneDnnMaxIsaDefaulted { get; private set; }

    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (_initialized)
            {
                return;
            }

            _initialized = true;
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            PreferPassiveOpenMpWait();
            CapOneDnnIsa();

            string? compat = FindCompatLibrary(AppContext.BaseDirectory);
            if (compat is null)
            {
                return;
            }

            if (DlOpen(compat, RtldNow | RtldGlobal) == IntPtr.Zero)
            {
                throw new DllNotFoundException(
                    $"{compat} exists but could not be loaded: {Marshal.PtrToStringUTF8(DlError())}");
            }

            LoadedCompatLibrary = compat;
        }
    }

    private static void PreferPassiveOpenMpWait()
    {
        OpenMpWaitPolicy = Marshal.PtrToStringUTF8(GetEnv("OMP_WAIT_POLICY"));
        if (OpenMpWaitPolicy is null && !IsOpenMpLoaded())
        {
            // setenv races with a concurrent getenv; this runs once, under the lock, before libtorch starts any thread.
            if (SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0)
            {
                OpenMpWaitPolicy = "PASSIVE";
                OpenMpWaitPolicyDefaulted = true;
            }
        }
    }

    private static void CapOneDnnIsa()
    {
        OneDnnMaxIsa = Marshal.PtrToStringUTF8(GetEnv("ONEDNN_MAX_CPU_ISA")) ?? Marshal.PtrToStringUTF8(GetEnv("DNNL_MAX_CPU_ISA"));
        if (OneDnnMaxIsa is null && SetEnv("ONEDNN_MAX_CPU_ISA", "AVX2", 0) == 0)
        {
            OneDnnMaxIsa = "AVX2";
            OneDnnMaxIsaDefaulted = true;
        }
    }

    /// <summary>libgomp already mapped means it has read its environment; a policy set now would not apply.</summary>
    private static bool IsOpenMpLoaded()
    {
        try
        {
            return File.ReadLines("/proc/self/maps").Any(line => line.Contains("libgomp", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The compat library next to the TorchSharp natives in <paramref name="baseDirectory"/>, if any.</summary>
    public static string? FindCompatLibrary(string baseDirectory)
    {
        string[] candidates =
        [
            Path.Combine(baseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", CompatLibraryName),
            Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", CompatLibraryName),
            Path.Combine(baseDirectory, CompatLibraryName),
        ];
        return Array.Find(candidates, File.Exists);
    }

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlOpen(string fileName, int flags);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    private static partial IntPtr DlError();
}
