using System.Runtime.InteropServices;

namespace ServerlessCovid.Training.Platform;

/// <summary>
/// Call <see cref="EnsureInitialized"/> before the first TorchSharp call. On machines whose libstdc++ predates
/// GCC 13 the build patched libLibTorchSharp.so and placed a compat library beside it (see
/// build/TorchSharp/TorchSharp.Debian12.targets); it must be loaded globally before libLibTorchSharp.so so its
/// <c>std::ios_base_library_init()</c> and stream initialisation are there first. Elsewhere this does nothing.
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

    [LibraryImport("libc", EntryPoint = "dlerror")]
    private static partial IntPtr DlError();
}
