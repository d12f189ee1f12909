using System.CommandLine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Storage.Emulator;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Triage;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench pipeline</c>: the blob path as the Functions host runs it, against an embedded Azurite: the
/// <see cref="TriageUploadedXray"/> function class, created per invocation from the app's services, with as many
/// concurrent invocations as host.json's <c>extensions.blobs.maxDegreeOfParallelism</c>. Beside it, in the same
/// process and on the same files, <c>covid predict</c>'s scoring loop (files read, then
/// <see cref="IXrayClassifier.ScoreBatchAsync"/> per <c>--batch-size</c>). The per-stage breakdown comes from the
/// <c>ServerlessCovid.Triage</c> spans. Polling (upload to trigger) is the host's and is not measured here.
/// </summary>
public static class BenchPipelineCommand
{
    private const string HospitalPrefix = "bench";

    public static Command Create()
    {
        Option<DirectoryInfo?> model = new("--model") { Description = "Model package folder. Default: an untrained paper-size NASNet-Mobile exported now (random weights: timing only).", HelpName = "DIR" };
        Option<DirectoryInfo?> images = new("--images") { Description = "Images to triage (e.g. the output of `covid synth`). Default: --count synthetic x-rays generated now.", HelpName = "DIR" };
        Option<int> count = new Option<int>("--count") { Description = "Synthetic images to generate without --images.", DefaultValueFactory = _ => 50 }.InRange(1, 10_000);
        Option<int> concurrency = new Option<int>("--concurrency") { Description = "Concurrent function invocations (default: host.json's blobs maxDegreeOfParallelism)." }.InRange(0, 256);
        Option<int> rounds = new Option<int>("--rounds") { Description = "Alternating predict / pipeline rounds; medians are reported.", DefaultValueFactory = _ => 2 }.InRange(1, 20);
        Option<int> batchSize = new Option<int>("--batch-size") { Description = "Images per Run for the predict side (covid predict's default).", DefaultValueFactory = _ => 16 }.InRange(1, 1024);
        Option<bool> json = CommonOptions.Json();
        Command command = new("pipeline", "Benchmark the blob-trigger triage path against Azurite beside `covid predict` on the same images.")
        {
            model, images, count, concurrency, rounds, batchSize, json,
        };
        command.SetCliAction(async (context, cancellationToken) =>
        {
            string work = Directory.CreateTempSubdirectory("covid-bench-pipeline-").FullName;
            try
            {
                ModelPackage package = context.Get(model) is { } folder
                    ? ModelPackage.LoadFromDirectory(folder.FullName)
                    : await Task.Run(() => BenchInferCommand.ExportUntrained(tiny: false), cancellationToken).ConfigureAwait(false);
                IReadOnlyList<string> paths = context.Get(images) is { } imageFolder
                    ? PredictCommand.ExpandInputs([imageFolder.FullName])
                    : [.. SyntheticXrayGenerator.WriteDataset(Path.Combine(work, "images"), context.Get(count), seed: 7, cancellationToken: cancellationToken)
                        .Entries.Select(e => Path.Combine(work, "images", e.File))];
                int parallelism = context.Get(concurrency) is > 0 and var given ? given : HostBlobParallelism();
                PipelineBenchReport report = await RunAsync(
                    context, package, paths, parallelism, context.Get(rounds), context.Get(batchSize), cancellationToken).ConfigureAwait(false);
                if (context.Get(json))
                {
                    context.WriteJson(report);
                }
                else
                {
                    report.Print(context.Out);
                }

                return report.Failed == 0 ? CovidCli.Success : CovidCli.Failure;
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        });
        return command;
    }

    private static async Task<PipelineBenchReport> RunAsync(
        CliContext context, ModelPackage package, IReadOnlyList<string> paths, int parallelism, int rounds, int batchSize,
        CancellationToken cancellationToken)
    {
        AzuriteProcess azurite = await AzuriteProcess.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using ConfiguredAsyncDisposable stopAzurite = azurite.ConfigureAwait(false);
        ServiceProvider services = CliServices.Build(
            context, azurite.ConnectionString, configure: (s, _) => s.AddTriage().AddSingleton<XrayBlobHandler>());
        await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
        await services.GetRequiredService<IModelRegistry>().PublishAsync(package, null, null, cancellationToken).ConfigureAwait(false);

        // The app's own start-up path: the provider reads current.json and activates the package.
        await services.GetRequiredService<CurrentModelProvider>().RefreshAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        OnnxXrayClassifier classifier = services.GetRequiredService<OnnxXrayClassifier>();
        long maxBytes = services.GetRequiredService<IOptions<ImageInputOptions>>().Value.MaxBytes;
        StorageOptions storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        BlobContainerClient xrays = services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(storage.XraysContainer);
        await xrays.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

        // Warm-up, not measured: the first runs allocate ONNX Runtime's arenas and JIT both paths.
        await PredictAsync(classifier, paths.Take(batchSize).ToList(), batchSize, maxBytes, cancellationToken).ConfigureAwait(false);
        await PipelineAsync(services, xrays, paths.Take(parallelism).ToList(), parallelism, "warmup", cancellationToken).ConfigureAwait(false);

        List<RoundResult> predict = [], pipeline = [];
        using TriageSpanCollector spans = new();
        for (int round = 0; round < rounds; round++)
        {
            predict.Add(await PredictAsync(classifier, paths, batchSize, maxBytes, cancellationToken).ConfigureAwait(false));
            long runsBefore = classifier.RunCount;
            spans.Enabled = true;
            RoundResult result = await PipelineAsync(services, xrays, paths, parallelism, round.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken)
                .ConfigureAwait(false);
            spans.Enabled = false;
            pipeline.Add(result with { Runs = classifier.RunCount - runsBefore });
        }

        InferenceOptions inference = services.GetRequiredService<IOptions<InferenceOptions>>().Value;
        string provider = classifier.ExecutionProvider ?? "none";
        return new PipelineBenchReport(
            package.Manifest.Version,
            provider,
            paths.Count,
            parallelism,
            inference.BatchWindowFor(provider).TotalMilliseconds,
            inference.MaxBatchSizeFor(provider),
            batchSize,
            Environment.ProcessorCount,
            PipelineBenchReport.Median(predict),
            PipelineBenchReport.Median(pipeline),
            spans.Summarise(),
            pipeline.Sum(r => r.Failed),
            Disclaimers.ResearchOnly);
    }

    /// <summary><c>covid predict</c>'s loop: read a batch of files, score it in one call, next batch.</summary>
    private static async Task<RoundResult> PredictAsync(
        OnnxXrayClassifier classifier, IReadOnlyList<string> paths, int batchSize, long maxBytes, CancellationToken cancellationToken)
    {
        int failed = 0;
        long started = Stopwatch.GetTimestamp();
        for (int start = 0; start < paths.Count; start += batchSize)
        {
            List<ReadOnlyMemory<byte>> batch = [];
            foreach (string path in paths.Skip(start).Take(batchSize))
            {
                batch.Add(await PredictCommand.ReadImageFileAsync(path, maxBytes, cancellationToken).ConfigureAwait(false));
            }

            IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            failed += results.Count(r => !r.Succeeded);
        }

        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new RoundResult(paths.Count / seconds, null, failed, 0);
    }

    /// <summary>
    /// Uploads the files under a fresh hospital folder (not timed: upload and the host's polling are not the
    /// app's work), then invokes the function class for every blob, <paramref name="parallelism"/> at a time.
    /// </summary>
    private static async Task<RoundResult> PipelineAsync(
        IServiceProvider services, BlobContainerClient xrays, IReadOnlyList<string> paths, int parallelism, string round, CancellationToken cancellationToken)
    {
        string hospital = $"{HospitalPrefix}{round}";
        List<BlobClient> blobs = [];
        foreach (string path in paths)
        {
            BlobClient blob = xrays.GetBlobClient($"{hospital}/{Path.GetFileName(path)}");
            await blob.UploadAsync(path, overwrite: true, cancellationToken).ConfigureAwait(false);
            blobs.Add(blob);
        }

        double[] latencies = new double[blobs.Count];
        long started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, blobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                long invoked = Stopwatch.GetTimestamp();

                // As the host does: a function instance per invocation, its dependencies from the app's container.
                TriageUploadedXray function = ActivatorUtilities.CreateInstance<TriageUploadedXray>(services);
                await function.Run(blobs[i], token).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetElapsedTime(invoked).TotalMilliseconds;
            }).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        TriageResultStore store = services.GetRequiredService<TriageResultStore>();
        int failed = 0;
        foreach (BlobClient blob in blobs)
        {
            string name = blob.Name[(hospital.Length + 1)..];
            TriageResult? row = await store.GetAsync(hospital, ResultIds.ForBlob(hospital, name), cancellationToken).ConfigureAwait(false);
            failed += row is { Status: TriageStatus.Scored } ? 0 : 1;
        }

        return new RoundResult(blobs.Count / seconds, LatencyPercentiles.Of(latencies), failed, 0);
    }

    /// <summary>host.json's <c>extensions.blobs.maxDegreeOfParallelism</c>; the host's default (8 per core) without one.</summary>
    internal static int HostBlobParallelism()
    {
        string? path = FindHostJson(AppContext.BaseDirectory) ?? FindHostJson(Directory.GetCurrentDirectory());
        JsonNode? value = path is null ? null : JsonNode.Parse(File.ReadAllText(path))?["extensions"]?["blobs"]?["maxDegreeOfParallelism"];
        return value?.GetValue<int>() ?? (8 * Environment.ProcessorCount);
    }

    private static string? FindHostJson(string start)
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "host.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
