using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench train</c>: training images/s, per-step wall and CPU time and peak memory of the paper network at
/// 256×256 for each batch size (SGD step included), the thread settings in force, and single-image TorchSharp
/// inference time; with <c>--pytorch</c>, the same network in PyTorch timed the same way and the ratio. Random inputs:
/// speed does not depend on pixels.
/// </summary>
public static class BenchTrainCommand
{
    public static Command Create()
    {
        Option<string> batchSizes = new("--batch-sizes") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "8,32" };
        Option<int> steps = new("--steps") { Description = "Timed steps per batch size (after one warm-up step).", DefaultValueFactory = _ => 3 };
        Option<int> inferenceRuns = new("--inference-runs") { Description = "Timed single-image inferences (after one warm-up).", DefaultValueFactory = _ => 10 };
        Option<bool> tiny = new("--tiny") { Description = "Benchmark the tiny network instead (smoke test)." };
        Option<bool> nchw = new("--nchw") { Description = "Feed NCHW-strided tensors, as before channels-last (to compare)." };
        Option<int?> threads = new("--threads") { Description = "libtorch intra-op threads (default: libtorch's choice)." };
        Option<FileInfo?> pytorch = new("--pytorch") { Description = "Also time the same network in PyTorch with this script (scripts/bench/nasnet_pytorch.py; needs python3-torch) and print the ratio." };
        Command command = new("train", "Benchmark NASNet training and TorchSharp inference speed on this machine.")
        {
            batchSizes, steps, inferenceRuns, tiny, nchw, threads, pytorch,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            TorchRuntime.EnsureInitialized();
            int[] sizes;
            try
            {
                sizes = [.. parse.GetValue(batchSizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            }
            catch (FormatException)
            {
                parse.InvocationConfiguration.Error.WriteLine("--batch-sizes must be comma-separated integers, e.g. 8,32.");
                return Task.FromResult(CovidCli.UsageError);
            }

            NasNetConfig config = parse.GetValue(tiny) ? NasNetConfig.Tiny() : NasNetConfig.Mobile();
            CultureInfo c = CultureInfo.InvariantCulture;
            if (parse.GetValue(threads) is { } threadCount)
            {
                set_num_threads(threadCount);
            }

            writer.WriteLine($"{config.Describe()} at {Preprocessing.Size}×{Preprocessing.Size}, {(parse.GetValue(nchw) ? "NCHW" : "channels-last")} tensors");
            writer.WriteLine(RuntimeSettings.Describe());
            manual_seed(1);
            using NasNet model = NasNet.Create(config);
            model.ChannelsLast = !parse.GetValue(nchw);
            Dictionary<int, double> torchSharpImagesPerSecond = [];
            using SGD optimizer = optim.SGD(model.parameters(), 0.01);
            int timedSteps = Math.Max(1, parse.GetValue(steps));
            foreach (int batch in sizes)
            {
                model.train();
                double[] seconds = new double[timedSteps + 1];
                double[] cpuSeconds = new double[timedSteps + 1];
                for (int step = 0; step <= timedSteps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    Tensor x = rand(batch, 3, Preprocessing.Size, Preprocessing.Size);
                    Tensor y = randint(0, config.Classes, [batch]);
                    TimeSpan cpu = ProcessCpu();
                    Stopwatch clock = Stopwatch.StartNew();
                    Tensor loss = nn.functional.cross_entropy(model.forward(x), y);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    seconds[step] = clock.Elapsed.TotalSeconds;
                    cpuSeconds[step] = (ProcessCpu() - cpu).TotalSeconds;
                }

                double mean = seconds.Skip(1).Average();
                double cpuMean = cpuSeconds.Skip(1).Average();
                torchSharpImagesPerSecond[batch] = batch / mean;
                writer.WriteLine(string.Create(c,
                    $"train batch {batch,3}: {mean * 1000,9:F0} ms/step, {batch / mean,7:F2} images/s wall; {cpuMean:F1} CPU-s/step "
                    + $"(mean of {timedSteps} steps; warm-up {seconds[0] * 1000:F0} ms); peak RSS so far {RuntimeSettings.PeakResidentBytes() / 1e9:F2} GB"));
            }

            if (parse.GetValue(pytorch) is { } script)
            {
                PyTorchBaseline.Compare(writer, script, sizes, timedSteps, get_num_threads(), torchSharpImagesPerSecond, cancellationToken);
            }

            model.eval();
            int runs = Math.Max(1, parse.GetValue(inferenceRuns));
            double[] inference = new double[runs + 1];
            double[] inferenceCpu = new double[runs + 1];
            using (no_grad())
            {
                for (int run = 0; run <= runs; run++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    Tensor x = rand(1, 3, Preprocessing.Size, Preprocessing.Size);
                    TimeSpan cpu = ProcessCpu();
                    Stopwatch clock = Stopwatch.StartNew();
                    nn.functional.softmax(model.forward(x), 1).data<float>().ToArray();
                    inference[run] = clock.Elapsed.TotalMilliseconds;
                    inferenceCpu[run] = (ProcessCpu() - cpu).TotalMilliseconds;
                }
            }

            double[] timed = [.. inference.Skip(1).Order()];
            writer.WriteLine(string.Create(c,
                $"inference batch   1: mean {timed.Average():F1} ms, median {timed[timed.Length / 2]:F1} ms wall; "
                + $"{inferenceCpu.Skip(1).Average():F1} CPU-ms (TorchSharp eval mode, {runs} runs)"));

            // CPU time is what the work costs; wall time also counts waiting for a busy machine.
            writer.WriteLine("Wall times depend on this machine and its load at the time of measuring; CPU time is summed over threads.");
            return Task.FromResult(CovidCli.Success);
        });
        return command;
    }

    private static TimeSpan ProcessCpu()
    {
        using Process self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
