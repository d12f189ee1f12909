using System.Globalization;
using System.Runtime.InteropServices;

namespace ServerlessCovid.Training.Platform;

/// <summary>
/// Where this process's memory is: resident set, the managed heap as the GC sees it, and glibc's native heap.
/// Resident minus managed-committed is native memory (libtorch, ImageSharp's pools, the runtime), and glibc's free
/// bytes are native memory freed by the program but kept by the allocator: resident until
/// <see cref="ProcessMemory.ReleaseFreedNativeMemory"/> (malloc_trim) gives their pages back, and still counted as free
/// afterwards.
/// </summary>
public readonly record struct MemorySnapshot(
    long ResidentBytes,
    long PeakResidentBytes,
    long ManagedLiveBytes,
    long GcHeapBytes,
    long LargeObjectHeapBytes,
    long GcCommittedBytes,
    long NativeInUseBytes,
    long NativeFreeHeldBytes)
{
    /// <summary>Resident memory the GC has not committed: native allocations and runtime overhead.</summary>
    public long NativeResidentBytes => Math.Max(0, ResidentBytes - GcCommittedBytes);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"RSS {Gb(ResidentBytes)} GB (peak {Gb(PeakResidentBytes)}), managed live {Gb(ManagedLiveBytes)} / GC heap {Gb(GcHeapBytes)} "
        + $"(LOH {Gb(LargeObjectHeapBytes)}) / committed {Gb(GcCommittedBytes)} GB, native {Gb(NativeResidentBytes)} GB "
        + $"(malloc: {Gb(NativeInUseBytes)} in use, {Gb(NativeFreeHeldBytes)} free)");

    private static string Gb(long bytes) => (bytes / 1e9).ToString("F2", CultureInfo.InvariantCulture);
}

/// <summary>Reads this process's memory (<see cref="Snapshot"/>) and gives freed native memory back to the OS.</summary>
public static partial class ProcessMemory
{
    /// <summary>Index of the large object heap in <see cref="GCMemoryInfo.GenerationInfo"/> (gen0, gen1, gen2, LOH, POH).</summary>
    private const int LargeObjectHeapIndex = 3;

    private static bool _mallinfoMissing;

    private static bool _mallocTrimMissing;

    public static MemorySnapshot Snapshot()
    {
        GCMemoryInfo gc = GC.GetGCMemoryInfo();
        (long inUse, long freeHeld) = NativeHeap();
        return new MemorySnapshot(
            StatusBytes("VmRSS:"),
            StatusBytes("VmHWM:"),
            GC.GetTotalMemory(forceFullCollection: false),
            gc.HeapSizeBytes,
            gc.GenerationInfo.Length > LargeObjectHeapIndex ? gc.GenerationInfo[LargeObjectHeapIndex].SizeAfterBytes : 0,
            gc.TotalCommittedBytes,
            inUse,
            freeHeld);
    }

    /// <summary>
    /// Hands native memory that has been freed, but that glibc still holds, back to the OS, and returns how far the
    /// resident set fell. glibc keeps freed blocks in the arena of the thread that allocated them, for reuse by that
    /// thread; after a training chunk that is the chunk's whole working set (about 1 GB for NASNet-A Mobile at batch 8,
    /// 256 px), and the next chunk, run on another thread-pool thread, builds its own in another arena. A no-op off
    /// glibc.
    /// </summary>
    public static long ReleaseFreedNativeMemory()
    {
        if (!OperatingSystem.IsLinux() || _mallocTrimMissing)
        {
            return 0;
        }

        long before = StatusBytes("VmRSS:");
        try
        {
            // 0: glibc found nothing to give back.
            if (MallocTrim(0) == 0)
            {
                return 0;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            _mallocTrimMissing = true;
            return 0;
        }

        return Math.Max(0, before - StatusBytes("VmRSS:"));
    }

    /// <summary>Restarts the peak resident set (VmHWM) from the current one (Linux 4.0+); false where it cannot.</summary>
    public static bool ResetPeakResident()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A line of /proc/self/status in bytes (Linux), or 0 where it cannot be read.</summary>
    internal static long StatusBytes(string prefix)
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[prefix.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>glibc's heap over all arenas: bytes in use, and freed bytes it keeps (0, 0 without glibc 2.33+).</summary>
    private static (long InUse, long FreeHeld) NativeHeap()
    {
        if (!OperatingSystem.IsLinux() || _mallinfoMissing)
        {
            return (0, 0);
        }

        try
        {
            MallInfo2 info = MallInfo2Native();
            return ((long)(info.Uordblks + info.Hblkhd), (long)info.Fordblks);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            _mallinfoMissing = true;
            return (0, 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo2 MallInfo2Native();

    /// <summary>glibc's <c>struct mallinfo2</c>, all fields size_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallInfo2
    {
        public readonly nuint Arena;
        public readonly nuint Ordblks;
        public readonly nuint Smblks;
        public readonly nuint Hblks;
        public readonly nuint Hblkhd;
        public readonly nuint Usmblks;
        public readonly nuint Fsmblks;
        public readonly nuint Uordblks;
        public readonly nuint Fordblks;
        public readonly nuint Keepcost;
    }
}
