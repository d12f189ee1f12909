using System.Diagnostics;
using ServerlessCovid.Cli.Commands;
using ServerlessCovid.Core.Imaging;

namespace ServerlessCovid.Cli.Tests;

public sealed class PredictFifoTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("covid-fifo-");

    [Fact]
    public async Task ReadImageFileAsync_FifoWithoutWriter_RefusedAsNotRegularFileWithoutBlocking()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // mkfifo and the blocking open(2) this guards against are Linux behaviour.
        }

        // Arrange: a FIFO nobody writes to; a blocking open of it never returns.
        string fifo = Path.Combine(_work.FullName, "scan.png");
        using (Process mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Act: on its own thread, so a regression fails by the generous guard below instead of hanging the run.
        Task<byte[]> read = Task.Run(() => PredictCommand.ReadImageFileAsync(fifo, 1 << 20, CancellationToken.None));
        Task finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromMinutes(2)));
        if (finished != read)
        {
            ReleaseBlockedReader(fifo);
        }

        // Assert
        Assert.Same(read, finished);
        ImageRejectedException ex = await Assert.ThrowsAsync<ImageRejectedException>(() => read);
        Assert.Equal(PredictCommand.NotRegularFile, ex.Code);
        Assert.Contains("pipe", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Delete(recursive: true);

    private static void ReleaseBlockedReader(string fifo)
    {
        // Opening the write end lets a blocked open(2) of the read end return, so the test process can exit.
        using FileStream writer = new(fifo, FileMode.Open, FileAccess.Write);
    }
}
