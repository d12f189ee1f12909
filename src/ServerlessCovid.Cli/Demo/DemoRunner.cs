using System.Diagnostics;
using System.Runtime.CompilerServices;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Storage.Emulator;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Cli.Demo;

/// <summary>
/// The end-to-end demo: synthetic data in, the retraining orchestration (the Functions app's orchestrator and
/// activities, hosted in process), the published model, hospital uploads triaged by the blob trigger's handler,
/// results in the table and a report on disk. Each stage is timed.
/// </summary>
public sealed class DemoRunner(CliContext context, DemoSettings settings)
{
    public const string RetrainingStage = "retraining pipeline";

    public async Task<DemoSummary> RunAsync(CancellationToken cancellationToken)
    {
        QuietEmbeddedHosts(context.Verbose);
        using DemoMetricTotals metrics = new();
        StageClock clock = new();
        AzuriteProcess? azurite = null;
        string connection;
        if (settings.StorageConnection is null)
        {
            azurite = await clock.TimeAsync(
                "start embedded Azurite",
                () => AzuriteProcess.StartAsync(cancellationToken: cancellationToken),
                a => $"blob port {a.BlobPort}").ConfigureAwait(false);
            connection = azurite.ConnectionString;
        }
        else
        {
            connection = settings.StorageConnection;
        }

        try
        {
            DemoSummary summary = await RunStagesAsync(clock, connection, metrics, cancellationToken).ConfigureAwait(false);
            if (azurite is not null)
            {
                await clock.TimeAsync("stop embedded Azurite", () => azurite.DisposeAsync().AsTask()).ConfigureAwait(false);
                azurite = null;
            }

            return summary with { Stages = clock.Stages, TotalSeconds = clock.Total.TotalSeconds };
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<DemoSummary> RunStagesAsync(StageClock clock, string connection, DemoMetricTotals metrics, CancellationToken cancellationToken)
    {
        Dictionary<string, string?> overrides = new(context.Settings, StringComparer.OrdinalIgnoreCase)
        {
            ["Retraining:WorkDirectory"] = Path.Combine(settings.OutputDirectory, "retraining-work"),
        };
        ServiceProvider services = CliServices.Build(context, connection, overrides, (s, _) => s.AddTriage());
        await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
        StorageOptions storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        BlobServiceClient blobs = services.GetRequiredService<BlobServiceClient>();

        SyntheticDatasetResult training = await clock.TimeAsync(
            "generate synthetic dataset",
            () => Task.Run(() => SyntheticXrayGenerator.WriteDataset(
                Path.Combine(settings.OutputDirectory, "dataset"), settings.Images, settings.Seed, settings.ImageSize, cancellationToken: cancellationToken), cancellationToken),
            r => $"{r.Count(ClassNames.Covid)} covid + {r.Count(ClassNames.Normal)} normal, seed {settings.Seed}").ConfigureAwait(false);

        await clock.TimeAsync(
            "upload to labelled-image store",
            () => UploadLabelledAsync(services.GetRequiredService<LabelledImageStore>(), training, cancellationToken),
            $"{storage.LabelledContainer}/{{label}}/{DemoSettings.TrainingSource}/").ConfigureAwait(false);

        InProcessRetrainingRun run = await clock.TimeAsync(
            $"{RetrainingStage} (train, export, evaluate, publish)",
            () => RetrainAsync(CliServices.BuildConfiguration(connection, overrides), services.GetRequiredService<ILoggerFactory>(), cancellationToken),
            r => $"{r.Outcome?.Status}: {r.Outcome?.Reason}").ConfigureAwait(false);
        IModelRegistry registry = services.GetRequiredService<IModelRegistry>();
        CurrentModelPointer current = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new CliFailureException(
                $"The retraining run ended {run.Outcome?.Status}: {run.Outcome?.Reason?.TrimEnd('.')}. No model is published, so there is "
                + "nothing to triage the held-out x-rays with.");

        SyntheticDatasetResult heldOut = await clock.TimeAsync(
            "generate held-out x-rays",
            () => Task.Run(() => SyntheticXrayGenerator.WriteDataset(
                Path.Combine(settings.OutputDirectory, "held-out"), settings.HeldOut, settings.HeldOutSeed, settings.ImageSize, cancellationToken: cancellationToken), cancellationToken),
            r => $"{r.Entries.Count} images, seed {settings.HeldOutSeed}").ConfigureAwait(false);

        IReadOnlyList<HeldOutItem> uploaded = await clock.TimeAsync(
            $"triage {storage.XraysContainer}/{settings.Hospital}/ (blob trigger handler)",
            () => TriageHeldOutAsync(
                services.GetRequiredService<TriageService>(), services.GetRequiredService<TriageMetrics>(),
                blobs.GetBlobContainerClient(storage.XraysContainer), heldOut, cancellationToken),
            r => $"{r.Count} blobs").ConfigureAwait(false);

        TriageResultStore store = services.GetRequiredService<TriageResultStore>();
        IReadOnlyList<TriageResult> results = await clock.TimeAsync(
            $"read results table {storage.ResultsTable}",
            () => ReadResultsAsync(store, uploaded, cancellationToken),
            r => $"{r.Count} rows").ConfigureAwait(false);

        string reportDirectory = Path.Combine(settings.OutputDirectory, "report", current.Version);
        IReadOnlyList<string> reportFiles = await clock.TimeAsync(
            "download report",
            () => DownloadArtifactsAsync(blobs.GetBlobContainerClient(storage.ModelsContainer), current.Version, reportDirectory, cancellationToken),
            r => $"{r.Count} files").ConfigureAwait(false);
        string reportPath = Path.Combine(reportDirectory, "report.html");
        if (!File.Exists(reportPath))
        {
            throw new CliFailureException(
                $"Model {current.Version} was published without report.html (files: {string.Join(", ", reportFiles)}).");
        }

        HeldOutEvaluation evaluation = HeldOutEvaluation.From(uploaded, results);
        string report = await File.ReadAllTextAsync(reportPath, cancellationToken).ConfigureAwait(false);
        string section = HeldOutReportSection.Render(current.Version, uploaded, results, evaluation);
        await File.WriteAllTextAsync(reportPath, HeldOutReportSection.InsertInto(report, section), cancellationToken).ConfigureAwait(false);

        return new DemoSummary
        {
            Storage = settings.StorageConnection is null ? "embedded Azurite (in memory, stopped afterwards)" : "the given storage account",
            Preset = settings.Preset,
            TrainingImages = training.Entries.Count,
            HeldOutImages = heldOut.Entries.Count,
            RunId = run.Outcome?.RunId ?? run.InstanceId,
            RetrainingStatus = run.Outcome?.Status.ToString() ?? run.RuntimeStatus.ToString(),
            RetrainingReason = run.Outcome?.Reason ?? run.Failure,
            RetrainingStageSeconds = run.Record?.StageSeconds ?? new Dictionary<string, double>(),
            ModelVersion = current.Version,
            PublishedThisRun = string.Equals(run.Outcome?.PublishedVersion, current.Version, StringComparison.Ordinal),
            Challenger = run.Outcome?.Challenger,
            ReportPath = Path.GetFullPath(reportPath),
            ReportBlob = $"{storage.ModelsContainer}/{current.Version}/report.html",
            ReportFiles = reportFiles,
            Hospital = settings.Hospital,
            Results = results,
            HeldOut = evaluation,
            OutputDirectory = Path.GetFullPath(settings.OutputDirectory),

            // Before the services are disposed, so the served-model gauge can still be observed.
            Metrics = metrics.Snapshot(),
        };
    }

    /// <summary>Files every image through the labelled-image store, as the label endpoint would, with its patient as the split group.</summary>
    private static async Task UploadLabelledAsync(LabelledImageStore store, SyntheticDatasetResult dataset, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(
            dataset.Entries,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                byte[] png = await File.ReadAllBytesAsync(Path.Combine(dataset.Directory, entry.File), ct).ConfigureAwait(false);
                await store.AddAsync(
                    new LabelledImageRequest
                    {
                        Hospital = DemoSettings.TrainingSource,
                        Id = entry.PatientId,
                        Label = entry.Label,
                        Extension = "png",
                        LabelledBy = "covid demo (synthetic generator)",
                        Source = entry.Source,
                        GroupId = entry.PatientId,
                    },
                    BinaryData.FromBytes(png),
                    ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private async Task<InProcessRetrainingRun> RetrainAsync(IConfiguration configuration, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        RetrainingSettings retraining = new()
        {
            Preset = settings.Preset,
            Epochs = settings.Epochs,
            EpochsPerChunk = 1,
            MinImagesPerClass = Math.Min(20, settings.Images / 2),
            Seed = settings.Seed,
            FirstRetrySeconds = 5,
            PublishFloorWaiver = settings.PublishFloorWaiver,
        };
        InProcessRetrainingRun run = await CliProgress.RunAsync(context, "Retraining", settings.Epochs ?? 10, progress =>
            RetrainingHost.RunInProcessAsync(
                new InProcessRetrainingOptions { Configuration = configuration, LoggerFactory = loggerFactory },
                retraining,
                new Progress(progress),
                cancellationToken)).ConfigureAwait(false);
        if (run.Outcome is not { Status: RetrainingStatus.Published or RetrainingStatus.Rejected })
        {
            throw new CliFailureException(
                $"The retraining run {run.Outcome?.RunId ?? run.InstanceId} ended {run.Outcome?.Status.ToString() ?? run.RuntimeStatus.ToString()}: "
                + (run.Outcome?.Reason ?? run.Failure ?? "no reason recorded").TrimEnd('.') + ".");
        }

        return run;
    }

    private async Task<IReadOnlyList<HeldOutItem>> TriageHeldOutAsync(
        TriageService triage, TriageMetrics metrics, BlobContainerClient xrays, SyntheticDatasetResult heldOut, CancellationToken cancellationToken)
    {
        await xrays.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        List<HeldOutItem> items = [];
        await CliProgress.RunAsync(context, "Triage", heldOut.Entries.Count, async progress =>
        {
            foreach (DatasetManifestEntry entry in heldOut.Entries)
            {
                // The name says nothing about the truth: the hospital does not know it either.
                string name = $"{entry.PatientId}.png";
                BlobClient blob = xrays.GetBlobClient($"{settings.Hospital}/{name}");
                await blob.UploadAsync(Path.Combine(heldOut.Directory, entry.File), overwrite: true, cancellationToken).ConfigureAwait(false);
                long started = Stopwatch.GetTimestamp();
                TriageResult result = await triage.TriageBlobAsync(blob, cancellationToken).ConfigureAwait(false);
                metrics.RecordTriage(result, TelemetryNames.Sources.Blob, Stopwatch.GetElapsedTime(started));
                items.Add(new HeldOutItem(name, entry.Label, result.Id));
                progress.Increment();
            }
        }).ConfigureAwait(false);
        return items;
    }

    private async Task<IReadOnlyList<TriageResult>> ReadResultsAsync(
        TriageResultStore store, IReadOnlyList<HeldOutItem> items, CancellationToken cancellationToken)
    {
        List<TriageResult> rows = [];
        foreach (HeldOutItem item in items)
        {
            rows.Add(await store.GetAsync(settings.Hospital, item.ResultId, cancellationToken).ConfigureAwait(false)
                ?? throw new CliFailureException($"No result row for {settings.Hospital}/{item.Name} in the results table."));
        }

        return rows;
    }

    private static async Task<IReadOnlyList<string>> DownloadArtifactsAsync(
        BlobContainerClient models, string version, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        List<string> files = [];
        string prefix = version + "/";
        await foreach (BlobItem blob in models.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            string relative = blob.Name[prefix.Length..];
            string path = Path.GetFullPath(Path.Combine(directory, relative));
            if (!path.StartsWith(Path.GetFullPath(directory), StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await models.GetBlobClient(blob.Name).DownloadToAsync(path, cancellationToken).ConfigureAwait(false);
            files.Add(relative);
        }

        return files;
    }

    /// <summary>
    /// Durable Task's in-process backend runs a gRPC sidecar on its own ASP.NET Core host, which logs every request at
    /// Information to stdout and takes no logger from us; that would bury the demo's output and break <c>--json</c>.
    /// That host reads unprefixed environment variables, so the process-wide defaults are set here (never overriding
    /// what the user set): warnings only unless <c>--verbose</c>, and console logs on stderr.
    /// </summary>
    private static void QuietEmbeddedHosts(bool verbose)
    {
        SetIfUnset("Logging__LogLevel__Default", verbose ? "Information" : "Warning");
        SetIfUnset("Logging__Console__LogToStandardErrorThreshold", "Trace");

        static void SetIfUnset(string name, string value)
        {
            if (Environment.GetEnvironmentVariable(name) is null)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    private sealed class Progress(IProgressTask task) : IProgress<RetrainingProgress>
    {
        public void Report(RetrainingProgress value)
        {
            if (value.EpochsTotal > 0)
            {
                task.SetTotal(value.EpochsTotal);
            }

            task.Report(value.EpochsCompleted, value.Detail is null ? value.Stage : $"{value.Stage}: {value.Detail}");
        }
    }
}
