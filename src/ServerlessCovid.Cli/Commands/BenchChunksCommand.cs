using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench chunks</c>: memory per retraining chunk. Trains one epoch per call, resuming from the checkpoint
/// each time, exactly as the retraining activity drives <see cref="Trainer"/> (a fresh model, optimizer and decoded
/// data set per chunk), and prints after each chunk where the process's memory is: resident set, managed heap and
/// LOH, and glibc's native heap (in use, and freed but kept). Growth that the managed heap does not explain is native.
/// TorchSharp 0.107's <c>Tensor.TotalCount</c> is not shown: it counts every <c>Parameter</c> ever created once more
/// than it uncounts, so it grows by the model's parameter count per chunk even when everything is disposed.
/// </summary>
public static class BenchChunksCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> work = new("--work") { Description = "Scratch folder (synthetic sets are cached here).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "bench-chunks")) };
        Option<int> count = new("--count") { Description = "Synthetic images to generate.", DefaultValueFactory = _ => 60 };
        Option<int> chunks = new("--chunks") { Description = "Chunks (one epoch each, as the demo runs them).", DefaultValueFactory = _ => 4 };
        Option<string> preset = new("--preset") { Description = "Recipe.", DefaultValueFactory = _ => TrainingPresets.Learn };
        preset.AcceptOnlyFromAmong([.. TrainingPresets.Names]);
        Option<int> imageSize = new("--image-size") { Description = "Input size trained at (smaller is quicker; 256 decodes as the demo does).", DefaultValueFactory = _ => Preprocessing.Size };
        Option<int> seed = new("--seed") { Description = "Seed of data, weights and shuffling.", DefaultValueFactory = _ => 42 };
        Command command = new("chunks", "Measure memory after each retraining chunk (RSS, managed heap, LOH, native heap).")
        {
            work, count, chunks, preset, imageSize, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            TorchRuntime.EnsureInitialized();
            string workDirectory = parse.GetValue(work)!.FullName;
            string data = BenchLearnCommand.EnsureSynthetic(workDirectory, parse.GetValue(count), parse.GetValue(seed), Preprocessing.Size, writer, cancellationToken);
            int chunkCount = Math.Max(1, parse.GetValue(chunks));
            TrainingRequest defaults = TrainingPresets.Get(parse.GetValue(preset)!);
            TrainingRequest request = defaults with
            {
                Epochs = chunkCount,
                ImageSize = parse.GetValue(imageSize),
                Seed = parse.GetValue(seed),
                Images = ImageFolderDataset.Load(data),
            };
            try
            {
                request.Validate();
            }
            catch (ArgumentException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return CovidCli.UsageError;
            }

            writer.WriteLine(RuntimeSettings.Describe());
            writer.WriteLine(BenchLearnCommand.Describe(request, data));
            writer.WriteLine($"GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, heap hard limit {Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimit") ?? "none"}");
            writer.WriteLine($"start    {ProcessMemory.Snapshot().Describe()}");
            string checkpoints = RetrainingCheckpointFolder(workDirectory);
            Trainer trainer = new(new XrayPreprocessorImageLoader(), NullLogger<Trainer>.Instance);
            for (int chunk = 1; chunk <= chunkCount; chunk++)
            {
                Stopwatch clock = Stopwatch.StartNew();
                long allocated = GC.GetTotalAllocatedBytes();
                TrainingThread thread = new();
                using (await trainer.TrainAsync(request, checkpoints, startFromCheckpoint: true, epochsToRunNow: 1, progress: thread, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                }

                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"chunk {chunk,2} ({clock.Elapsed.TotalSeconds,5:F0} s, thread {thread.Id}, {(GC.GetTotalAllocatedBytes() - allocated) / 1e9:F2} GB managed allocated) {ProcessMemory.Snapshot().Describe()}"));
            }

            // A full blocking collection separates garbage the GC had not yet reclaimed from memory still referenced.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            writer.WriteLine($"after GC {ProcessMemory.Snapshot().Describe()}");

            // What the chunks left resident although freed: glibc returns it only when asked.
            long released = ProcessMemory.ReleaseFreedNativeMemory();
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trimmed  {ProcessMemory.Snapshot().Describe()}; malloc_trim released {released / 1e9:F2} GB"));
            return CovidCli.Success;
        });
        return command;
    }

    /// <summary>A fresh checkpoint folder per invocation, so every run starts at epoch 0.</summary>
    private static string RetrainingCheckpointFolder(string work)
    {
        string directory = Path.Combine(work, "runs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Which thread trained: glibc gives each thread its own arena, and freed memory stays in its arena.</summary>
    private sealed class TrainingThread : IProgress<TrainingProgress>
    {
        public int Id { get; private set; }

        public void Report(TrainingProgress value) => Id = Environment.CurrentManagedThreadId;
    }
}
