using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// Opens an input file for reading without ever blocking on the open itself. On Linux, open(2) of a FIFO for reading
/// waits until a writer appears, forever if none does, and .NET offers neither O_NONBLOCK nor the file type before
/// opening; so the file is opened with O_NONBLOCK and anything that cannot seek (FIFO, socket, terminal) is refused.
/// Devices that can seek (such as /dev/zero) are caught afterwards by the length check of the caller.
/// </summary>
internal static partial class NonBlockingFileOpener
{
    // Identical on x86-64 and arm64 Linux (asm-generic/fcntl.h): O_RDONLY 0, O_NONBLOCK 04000, O_CLOEXEC 02000000.
    private const int ReadOnlyNonBlockingCloseOnExec = 0x800 | 0x80000;

    /// <summary>The opened file, or null when <paramref name="path"/> is not a seekable file (a pipe, socket or terminal).</summary>
    public static FileStream? OpenSeekable(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            return Seekable(stream);
        }

        int fd = Open(path, ReadOnlyNonBlockingCloseOnExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 => new FileNotFoundException($"Could not find file '{path}'.", path),
                13 => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
                _ => new IOException($"Could not open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno),
            };
        }

        // O_NONBLOCK has no effect on regular files, so reads of an accepted file behave as usual.
        return Seekable(new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize: 1));
    }

    private static FileStream? Seekable(FileStream stream)
    {
        if (stream.CanSeek)
        {
            return stream;
        }

        stream.Dispose();
        return null;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
