using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using Spectre.Console;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid predict</c>: scores image files with a model package folder or the model published in a storage account.
/// A file that cannot be read or scored gets an error row; the others are still scored. Exit code 1 when any file
/// failed, so scripts notice.
/// </summary>
public static class PredictCommand
{
    /// <summary>The rows of <c>predict --format csv|json</c>: the table's columns, with the error's code and reason apart.</summary>
    internal static readonly IReadOnlyList<ListColumn<PredictionRow>> Columns =
    [
        new("file", r => r.File),
        new("label", r => r.Label),
        new(ClassNames.Covid + "Probability", r => Probability(r.Probabilities, ClassNames.Covid)),
        new(ClassNames.Normal + "Probability", r => Probability(r.Probabilities, ClassNames.Normal)),
        new("threshold", r => r.Threshold),
        new("modelVersion", r => r.ModelVersion),
        new("errorCode", r => r.Error?.Code),
        new("errorReason", r => r.Error?.Reason),

        // DICOM acquisition, empty for other formats; last, so the columns above keep their places.
        new("modality", r => r.Dicom?.Modality),
        new("viewPosition", r => r.Dicom?.ViewPosition),
        new("photometricInterpretation", r => r.Dicom?.PhotometricInterpretation),
        new("transferSyntaxUid", r => r.Dicom?.TransferSyntaxUid),
        new("sopInstanceUidHash", r => r.Dicom?.SopInstanceUidHash),
    ];

    // Null (an empty cell) for a row without that probability, as the table's "-"; never a made-up 0.
    private static double? Probability(IReadOnlyDictionary<string, double>? probabilities, string label) =>
        probabilities is not null && probabilities.TryGetValue(label, out double p) ? p : null;

    /// <summary>
    /// Files read before each hand-over to the classifier, which splits them into its own batches and decodes the
    /// next batch during each Run: enough to keep that pipeline fed, few enough that large files do not pile up.
    /// </summary>
    private const int FilesReadAhead = 16;

    public static Command Create()
    {
        Option<DirectoryInfo?> model = new("--model")
        {
            Description = "Model package folder (model.onnx + manifest.json), e.g. the output of `covid export`.",
            HelpName = "DIR",
        };
        Option<string?> storage = CommonOptions.Storage();
        Option<string?> version = new("--version")
        {
            Description = "With --storage: a published version instead of the current one.",
            HelpName = "VERSION",
        };
        Option<int?> batchSize = new Option<int?>("--batch-size")
        {
            Description = "Images per ONNX Runtime call. Default: Inference:MaxBatchSize, which unset is 2 on CPU and 32 on CUDA.",
        }.InRangeWhenSet(1, 1024);
        Option<DirectoryInfo?> heatMaps = new("--heatmaps")
        {
            Description = "Write one heat-map overlay PNG per scored file here (models with a cam output): where the model's evidence lies, not a diagnosis.",
            HelpName = "DIR",
        };
        Option<bool> json = CommonOptions.Json();
        Argument<string[]> files = new("FILE")
        {
            Description = "Image files (PNG, JPEG, BMP, GIF, TIFF, WebP) or folders of them (searched with their sub-folders; an empty folder is an error).",
            Arity = ArgumentArity.OneOrMore,
        };

        Command command = new("predict", "Score chest x-ray images: label, probabilities, threshold and model version per file.")
        {
            model, storage, version, batchSize, heatMaps, json, files,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(model) is not null && result.GetResult(storage) is not null)
            {
                result.AddError("Use either --model DIR or --storage CONN, not both.");
            }

            if (result.GetResult(version) is not null && result.GetResult(model) is not null)
            {
                result.AddError("--version selects a published model; it cannot be combined with --model.");
            }
        });

        command.Options.Add(CommonOptions.AccountUrl());
        Option<ListFormat> format = ListOutput.AddFormatOption(command, json);
        command.SetCliAction(async (context, cancellationToken) =>
        {
            DirectoryInfo? modelDirectory = context.Get(model);
            string? connection = context.Get(storage);
            if (modelDirectory is null && !CliServices.HasStorageConnection(context, connection) && CliServices.AccountUrlOf(context) is null)
            {
                throw new CliUsageException(
                    $"Say which model to use: --model DIR, or --storage CONN or --account-url URL (or set ${CommonOptions.StorageConnectionVariable}).");
            }

            IReadOnlyList<string> paths = ExpandInputs(context.Get(files) ?? []);
            int? batch = context.Get(batchSize);
            ServiceProvider services = CliServices.Build(
                context,
                modelDirectory is null ? connection : null,
                batch is { } explicitBatch ? new Dictionary<string, string?> { ["Inference:MaxBatchSize"] = explicitBatch.ToString(CultureInfo.InvariantCulture) } : null);
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            ModelPackage package = await LoadPackageAsync(services, modelDirectory, context.Get(version), cancellationToken)
                .ConfigureAwait(false);
            IXrayClassifier classifier = services.GetRequiredService<IXrayClassifier>();
            classifier.Activate(package);
            await WarnIfNotDiscriminatingAsync(context.Error, package.Manifest).ConfigureAwait(false);

            ImageInputOptions imaging = services.GetRequiredService<IOptions<ImageInputOptions>>().Value;
            PredictHeatMaps? heatMapWriter = context.Get(heatMaps) is { } heatMapDirectory
                ? new PredictHeatMaps(heatMapDirectory.FullName, services.GetRequiredService<XrayPreprocessor>())
                : null;
            IReadOnlyList<PredictionRow> rows = await ScoreAsync(
                context, classifier, paths, Math.Max(batch ?? 0, FilesReadAhead), imaging, heatMapWriter, cancellationToken).ConfigureAwait(false);
            if (heatMapWriter is not null)
            {
                await heatMapWriter.ReportAsync(context.Error, package.Manifest.Version).ConfigureAwait(false);
            }
            if (context.Get(json))
            {
                context.WriteJson(new PredictionReport(ModelSummary.From(package.Manifest), rows, Disclaimers.ResearchOnly));
            }
            else if (context.Get(format) is ListFormat rowFormat and not ListFormat.Table)
            {
                ListOutput.Write(context.Out, rowFormat, rows, Columns);
                context.Error.WriteLine(Disclaimers.ResearchOnly);
            }
            else
            {
                Render(context.Console, package.Manifest, rows);
            }

            return rows.All(row => row.Error is null) ? CovidCli.Success : CovidCli.Failure;
        });
        return command;
    }

    /// <summary>
    /// Folders expand to the images anywhere under them (e.g. <c>covid/</c> and <c>normal/</c> of a dataset), sorted,
    /// so output order is reproducible. A folder with no image in it is an error, never silently nothing.
    /// </summary>
    /// <exception cref="CliFailureException">A folder holds no image.</exception>
    internal static IReadOnlyList<string> ExpandInputs(IEnumerable<string> inputs)
    {
        List<string> paths = [];
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                string[] images = [.. Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(ImageFiles.IsImageFile)
                    .Order(StringComparer.Ordinal)];
                if (images.Length == 0)
                {
                    throw new CliFailureException(
                        $"Folder '{input}' holds no images ({ImageFiles.ExtensionList}), in it or in its sub-folders.");
                }

                paths.AddRange(images);
            }
            else
            {
                paths.Add(input);
            }
        }

        return paths;
    }

    internal static async Task<ModelPackage> LoadPackageAsync(
        IServiceProvider services, DirectoryInfo? modelDirectory, string? version, CancellationToken cancellationToken)
    {
        if (modelDirectory is not null)
        {
            if (!modelDirectory.Exists)
            {
                throw new CliFailureException($"Model folder '{modelDirectory.FullName}' does not exist.");
            }

            return ModelPackage.LoadFromDirectory(modelDirectory.FullName);
        }

        IModelRegistry registry = services.GetRequiredService<IModelRegistry>();
        if (version is null)
        {
            CurrentModelPointer current = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new ModelUnavailableException(
                    "No model is published in this storage account yet: run `covid demo` or the retraining pipeline, or use --model DIR.");
            version = current.Version;
        }

        return await registry.LoadPackageAsync(version, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<PredictionRow>> ScoreAsync(
        CliContext context, IXrayClassifier classifier, IReadOnlyList<string> paths, int batchSize, ImageInputOptions imaging,
        PredictHeatMaps? heatMaps, CancellationToken cancellationToken)
    {
        PredictionRow?[] rows = new PredictionRow?[paths.Count];
        await CliProgress.RunAsync(context, "Scoring", paths.Count, async progress =>
        {
            for (int start = 0; start < paths.Count; start += batchSize)
            {
                List<int> readable = [];
                List<ReadOnlyMemory<byte>> images = [];
                List<byte[]> rented = []; // pooled file buffers, returned once this group is scored
                try
                {
                    for (int i = start; i < Math.Min(start + batchSize, paths.Count); i++)
                    {
                        try
                        {
                            (byte[] buffer, int length) = await ReadPooledAsync(paths[i], imaging.MaxBytes, cancellationToken).ConfigureAwait(false);
                            rented.Add(buffer);
                            images.Add(buffer.AsMemory(0, length));
                            readable.Add(i);
                        }
                        catch (ImageRejectedException rejected)
                        {
                            rows[i] = PredictionRow.Failed(paths[i], rejected.Code, rejected.Reason);
                            progress.Increment();
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            // One file never aborts the batch, whatever went wrong reading it.
                            string code = ex is FileNotFoundException or DirectoryNotFoundException ? "not_found" : "unreadable";
                            rows[i] = PredictionRow.Failed(paths[i], code, ex.Message);
                            progress.Increment();
                        }
                    }

                    if (images.Count == 0)
                    {
                        continue;
                    }

                    IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(images, cancellationToken)
                        .ConfigureAwait(false);
                    for (int k = 0; k < readable.Count; k++)
                    {
                        BatchItemResult result = results[k];
                        int index = readable[k];
                        rows[index] = result.Prediction is { } prediction
                            ? PredictionRow.Scored(paths[index], prediction, imaging.DicomUidSalt)
                            : PredictionRow.Failed(paths[index], result.ErrorCode ?? "rejected", result.ErrorReason ?? "The image was rejected.");
                        if (heatMaps is not null && result.Prediction is { } scored)
                        {
                            await heatMaps.WriteAsync(paths[index], images[k], scored, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    progress.Increment(readable.Count);
                }
                finally
                {
                    rented.ForEach(buffer => ArrayPool<byte>.Shared.Return(buffer));
                }
            }
        }).ConfigureAwait(false);
        return [.. rows.Select(row => row!)];
    }

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> + 1 bytes: a file over the cap is <c>too_large</c> before it is
    /// loaded, and a path that is not a regular file (a directory, a FIFO, which is never opened in blocking mode, or
    /// a device such as /dev/zero whose length says nothing about what it yields) is <c>not_regular_file</c>.
    /// </summary>
    internal static async Task<byte[]> ReadImageFileAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        (byte[] buffer, int length) = await ReadPooledAsync(path, maxBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// <see cref="ReadImageFileAsync"/> into a pooled buffer that the caller returns: scoring reuses a handful of
    /// buffers instead of leaving one dead large-object-heap array per file (two, with a trimming copy) for the GC.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadPooledAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw new ImageRejectedException(NotRegularFile, $"'{path}' is a directory, not an image file.");
        }

        FileStream file = NonBlockingFileOpener.OpenSeekable(path) ?? throw new ImageRejectedException(
            NotRegularFile, $"'{path}' is a pipe, socket or terminal, not an image file.");
        await using ConfiguredAsyncDisposable disposal = file.ConfigureAwait(false);
        long declared = file.Length;
        if (declared > maxBytes)
        {
            throw TooLarge(path, declared, maxBytes);
        }

        // One byte more than the length says: a device or pipe yields data its length (0) does not promise.
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)declared + 1);
        try
        {
            int total = 0;
            while (true)
            {
                int read = await file.ReadAsync(buffer.AsMemory(total, (int)declared + 1 - total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > declared)
                {
                    throw new ImageRejectedException(
                        NotRegularFile, $"'{path}' is not a regular file: reading it gives more than the {declared:N0} bytes its length says.");
                }
            }

            if (total != declared)
            {
                throw new ImageRejectedException(
                    NotRegularFile, $"'{path}' is not a regular file: its length says {declared:N0} bytes but reading it gave {total:N0}.");
            }

            return (buffer, total);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Stable code for a path that is a directory, device or pipe rather than a regular file.</summary>
    internal const string NotRegularFile = "not_regular_file";

    private static ImageRejectedException TooLarge(string path, long bytes, long maxBytes) => new(
        ImageErrorCodes.TooLarge,
        $"'{path}' is over the {maxBytes:N0}-byte limit (Imaging:MaxBytes): at least {bytes:N0} bytes; it was not loaded.");

    /// <summary>
    /// Still scores, since comparing a bad model is legitimate research, but says on stderr (so <c>--json</c> output
    /// stays parseable) that its validation evaluation puts it no better than chance.
    /// </summary>
    internal static async Task WarnIfNotDiscriminatingAsync(TextWriter error, ModelManifest manifest)
    {
        if (ModelVerdict.FromManifest(manifest) is { Discriminates: false } verdict)
        {
            await error.WriteLineAsync($"warning: model {manifest.Version}, by its manifest's evaluation: {verdict.Sentence}")
                .ConfigureAwait(false);
        }
    }

    private static void Render(IAnsiConsole console, ModelManifest manifest, IReadOnlyList<PredictionRow> rows)
    {
        Table table = new Table().Border(TableBorder.Rounded)
            .AddColumns("File", "Label", $"P({ClassNames.Covid})", $"P({ClassNames.Normal})", "Threshold", "Model", "Error");
        foreach (PredictionRow row in rows)
        {
            table.AddRow(
                Markup.Escape(row.File),
                row.Label is null ? "-" : Markup.Escape(row.Label),
                FormatProbability(row, ClassNames.Covid),
                FormatProbability(row, ClassNames.Normal),
                row.Threshold?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(row.ModelVersion ?? "-"),
                row.Error is null ? string.Empty : Markup.Escape($"{row.Error.Code}: {row.Error.Reason}"));
        }

        console.Write(table);
        int failed = rows.Count(row => row.Error is not null);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rows.Count - failed} scored, {failed} failed with model {manifest.Version} "
            + $"({manifest.PositiveClass} when P({manifest.PositiveClass}) >= {manifest.OperatingThreshold:0.###}, {manifest.ThresholdMethod})."));
        console.WriteLine(Disclaimers.ResearchOnly);
    }

    private static string FormatProbability(PredictionRow row, string label) =>
        row.Probabilities is not null && row.Probabilities.TryGetValue(label, out double p)
            ? p.ToString("0.0000", CultureInfo.InvariantCulture)
            : "-";
}

/// <summary>One file of <c>covid predict</c>: a prediction or an error, never both.</summary>
public sealed record PredictionRow(
    string File,
    string? Label,
    IReadOnlyDictionary<string, double>? Probabilities,
    double? Threshold,
    string? ModelVersion,
    PredictionError? Error)
{
    /// <summary>For DICOM inputs, the acquisition the file records (never patient attributes); null otherwise.</summary>
    public DicomAcquisition? Dicom { get; init; }

    public static PredictionRow Scored(string file, TriagePrediction prediction, string? dicomUidSalt = null)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return new(file, prediction.Label, prediction.Probabilities, prediction.Threshold, prediction.ModelVersion, null)
        {
            Dicom = prediction.Dicom is { } dicom ? DicomAcquisition.From(dicom, dicomUidSalt) : null,
        };
    }

    public static PredictionRow Failed(string file, string code, string reason) =>
        new(file, null, null, null, null, new PredictionError(code, reason));
}

public sealed record PredictionError(string Code, string Reason);

public sealed record ModelSummary(string Version, string OnnxSha256, string PositiveClass, double OperatingThreshold, string ThresholdMethod)
{
    public static ModelSummary From(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new(manifest.Version, manifest.OnnxSha256, manifest.PositiveClass, manifest.OperatingThreshold, manifest.ThresholdMethod);
    }
}

public sealed record PredictionReport(ModelSummary Model, IReadOnlyList<PredictionRow> Results, string Disclaimer);
