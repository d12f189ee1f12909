using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ServerlessCovid.Cli.Infrastructure;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// Ctrl+C and SIGTERM on a real <c>covid demo --quick</c> process, mid-training: it must exit with 130/143 and leave
/// no embedded Azurite behind. The 15 s bound is a hang guard, not a speed claim.
/// </summary>
public sealed partial class CancellationTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("INT", CliTermination.SigIntExitCode)]
    [InlineData("TERM", CliTermination.SigTermExitCode)]
    public async Task Demo_SignalMidTraining_ExitsWithSignalCodeAndNoOrphanAzurite(string signal, int expectedExitCode)
    {
        // Setup: the CLI as its own process. perl resets SIGINT to its default first: a shell that started the tests in
        // the background leaves SIGINT ignored, and an ignored signal is inherited.
        DirectoryInfo output = Directory.CreateTempSubdirectory("covid-cancel-");
        ProcessStartInfo start = new("perl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string covid = Path.Combine(AppContext.BaseDirectory, "covid.dll");
        foreach (string argument in (string[])
        [
            "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!", "dotnet", covid, "demo", "--quick", "--epochs", "200", "--out", output.FullName,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        using Process demo = Process.Start(start)!;
        List<string> errorLines = [];
        TaskCompletionSource training = new(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (errorLines)
            {
                errorLines.Add(e.Data);
            }

            if (EpochDone().IsMatch(e.Data))
            {
                training.TrySetResult();
            }
        };
        demo.OutputDataReceived += (_, _) => { };
        demo.BeginErrorReadLine();
        demo.BeginOutputReadLine();

        try
        {
            await Task.WhenAny(training.Task, demo.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(5)));
            Assert.True(training.Task.IsCompleted, "training never started: " + Snapshot(errorLines));
            int[] azurite = ChildProcesses(demo.Id);
            Assert.NotEmpty(azurite);

            // Trigger
            using (Process kill = Process.Start("kill", ["-" + signal, demo.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using CancellationTokenSource guard = new(HangGuard);
            await demo.WaitForExitAsync(guard.Token);

            // Verify
            Assert.Equal(expectedExitCode, demo.ExitCode);
            Assert.Contains(Snapshot(errorLines).Split('\n'), line => line.StartsWith("SIG" + signal, StringComparison.Ordinal));
            foreach (int pid in azurite)
            {
                Assert.True(await GoneAsync(pid), $"Azurite (pid {pid}) outlived the CLI");
            }
        }
        finally
        {
            // Cleanup
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }

            output.Delete(recursive: true);
        }
    }

    /// <summary>Direct children of <paramref name="parent"/> (from /proc: field 4 of stat is the parent pid).</summary>
    private static int[] ChildProcesses(int parent) =>
    [
        .. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => (Pid: int.Parse(name!, CultureInfo.InvariantCulture), Stat: TryRead($"/proc/{name}/stat")))
            .Where(p => p.Stat is not null && ParentOf(p.Stat) == parent)
            .Select(p => p.Pid),
    ];

    private static int ParentOf(string stat)
    {
        // pid (comm) state ppid ...; comm may contain spaces, so parse after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], CultureInfo.InvariantCulture);
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<bool> GoneAsync(int pid)
    {
        // The parent watch notices the closed pipe at once; allow a few seconds for Node.js to exit (a hang guard).
        for (int i = 0; i < 50; i++)
        {
            string? stat = TryRead($"/proc/{pid}/stat");
            if (stat is null || stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static string Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return string.Join('\n', lines);
        }
    }

    /// <summary>"Retraining: 1/200 ..." or later: at least one epoch finished, training is under way.</summary>
    [GeneratedRegex(@"^Retraining: [1-9]\d*/\d+")]
    private static partial Regex EpochDone();
}
