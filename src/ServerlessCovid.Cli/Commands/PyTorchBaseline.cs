using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ServerlessCovid.Training.Platform;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// Runs scripts/bench/nasnet_pytorch.py (the same network in PyTorch, timed the same way) in a child process and
/// prints its rows beside TorchSharp's with the speed ratio. Optional: the product never needs Python.
/// </summary>
internal static class PyTorchBaseline
{
    public static void Compare(
        TextWriter writer, FileInfo script, IReadOnlyList<int> batchSizes, int steps, int threads,
        IReadOnlyDictionary<int, double> torchSharpImagesPerSecond, CancellationToken cancellationToken)
    {
        if (!script.Exists)
        {
            writer.WriteLine($"PyTorch baseline skipped: {script.FullName} does not exist.");
            return;
        }

        // PyTorch as most code runs it (NCHW), and with channels-last tensors as this project trains.
        foreach (bool channelsLast in new[] { false, true })
        {
            if (!Run(writer, script, batchSizes, steps, threads, channelsLast, torchSharpImagesPerSecond, cancellationToken))
            {
                return;
            }
        }
    }

    private static bool Run(
        TextWriter writer, FileInfo script, IReadOnlyList<int> batchSizes, int steps, int threads, bool channelsLast,
        IReadOnlyDictionary<int, double> torchSharpImagesPerSecond, CancellationToken cancellationToken)
    {
        // Debian's python3-torch lives under the system interpreter, which a pyenv or venv on the PATH would hide.
        ProcessStartInfo start = new(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The same OpenMP wait policy and oneDNN ISA cap as this process (set natively, so not in .NET's copy of the
        // environment).
        if (TorchRuntime.OpenMpWaitPolicy is { } policy)
        {
            start.Environment["OMP_WAIT_POLICY"] = policy;
        }

        if (TorchRuntime.OneDnnMaxIsa is { } isa)
        {
            start.Environment["ONEDNN_MAX_CPU_ISA"] = isa;
        }

        foreach (string argument in new[]
        {
            script.FullName, "--batch-sizes", string.Join(',', batchSizes), "--steps", steps.ToString(CultureInfo.InvariantCulture),
            "--threads", threads.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (channelsLast)
        {
            start.ArgumentList.Add("--channels-last");
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("python3 could not be started.");
        using CancellationTokenRegistration kill = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        while (process.StandardOutput.ReadLine() is { } line)
        {
            using JsonDocument row = JsonDocument.Parse(line);
            JsonElement r = row.RootElement;
            int batch = r.GetProperty("batch").GetInt32();
            double imagesPerSecond = r.GetProperty("imagesPerSecond").GetDouble();
            double ratio = torchSharpImagesPerSecond.TryGetValue(batch, out double ours) ? ours / imagesPerSecond : double.NaN;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.GetProperty("framework").GetString()} {(channelsLast ? "channels-last" : "NCHW")} batch {batch,3}: "
                + $"{r.GetProperty("secondsPerStep").GetDouble() * 1000,9:F0} ms/step, {imagesPerSecond,7:F2} images/s wall; "
                + $"{r.GetProperty("cpuSecondsPerStep").GetDouble():F1} CPU-s/step; {r.GetProperty("threads").GetInt32()} threads; "
                + $"peak RSS {r.GetProperty("peakRssBytes").GetDouble() / 1e9:F2} GB. TorchSharp / PyTorch speed: {ratio:F2}×"));
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            writer.WriteLine($"PyTorch baseline failed (exit {process.ExitCode}); install Debian's python3-torch to run it. {errors.Result.Trim()}");
            return false;
        }

        return true;
    }
}
