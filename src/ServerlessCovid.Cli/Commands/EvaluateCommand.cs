using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid evaluate</c>: scores a labelled folder (<c>covid/</c>, <c>normal/</c>) with a model package and writes the
/// evaluation report (report.html, metrics.json, the paper's figures). Images are found in sub-folders at any depth;
/// <c>manifest.csv</c>, when present, gives each image's source and patient. Exit code 1 when the model or data is unusable.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> model = new("--model")
        {
            Description = "Model package folder (model.onnx + manifest.json).",
            HelpName = "DIR",
            Required = true,
        };
        Option<DirectoryInfo> data = new("--data")
        {
            Description = "Labelled images: one sub-folder per class of the model (covid/, normal/).",
            HelpName = "DIR",
            Required = true,
        };
        Option<DirectoryInfo> output = new("--out")
        {
            Description = "Folder for report.html, metrics.json and the figures (created if missing).",
            HelpName = "DIR",
            Required = true,
        };
        Option<int> replicates = new("--bootstrap")
        {
            Description = "Bootstrap replicates for the AUC confidence intervals.",
            DefaultValueFactory = _ => AucBootstrap.DefaultReplicates,
        };
        replicates.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 100 or > 100_000)
            {
                result.AddError("--bootstrap must be between 100 and 100000.");
            }
        });
        Option<bool> json = new("--json") { Description = "Print a machine-readable summary." };
        Command command = new("evaluate", "Evaluate a model package on a labelled folder and write the HTML/JSON report and figures.")
        {
            model, data, output, replicates, json,
        };
        command.SetCliAction(async (context, cancellationToken) =>
        {
            try
            {
                Summary summary = await RunAsync(
                    context, context.Get(model)!.FullName, context.Get(data)!.FullName, context.Get(output)!.FullName,
                    context.Get(replicates), cancellationToken).ConfigureAwait(false);
                Print(context.Out, summary, context.Get(json));
                return CovidCli.Success;
            }
            catch (MaskInputException ex)
            {
                await context.Error.WriteLineAsync("evaluate failed: " + ex.Code + ": " + ex.Message).ConfigureAwait(false);
                return CovidCli.Failure;
            }
            catch (Exception ex) when (ex is InvalidModelPackageException or EvaluationInputException or ModelUnavailableException
                or ImageRejectedException or DatasetFormatException or IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync("evaluate failed: " + ex.Message).ConfigureAwait(false);
                return CovidCli.Failure;
            }
        });
        return command;
    }

    /// <summary>
    /// Scores the folder with the same settings as every verb (environment, <c>--set</c>: e.g.
    /// <c>--set Inference:ExecutionProvider=cpu</c>), then writes the report. Sources and patients come from the
    /// folder's <c>manifest.csv</c> when it has one (as <c>covid synth</c> and <c>covid dataset build</c> write it), so the
    /// audit can warn about one source per class and patients on both sides.
    /// </summary>
    private static async Task<Summary> RunAsync(
        CliContext context, string modelDirectory, string dataDirectory, string outputDirectory, int replicates, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        ModelPackage package = ModelPackage.LoadFromDirectory(modelDirectory);
        ServiceProvider provider = CliServices.Build(context, storageConnection: null);
        await using ConfiguredAsyncDisposable disposeProvider = provider.ConfigureAwait(false);
        IXrayClassifier classifier = provider.GetRequiredService<IXrayClassifier>();
        classifier.Activate(package);

        LabelledFolderScores scored = await LabelledFolderScorer.ScoreAsync(classifier, dataDirectory, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        IReadOnlyList<AuditItem> auditItems = WithManifest(scored.AuditItems, dataDirectory);
        EvaluationInput input = new(EvaluatedModel.FromManifest(package.Manifest), Path.GetFileName(dataDirectory.TrimEnd('/')), scored.Scores)
        {
            AuditItems = auditItems,
            RejectedImages = scored.Rejected,
            ImagePaths = scored.ScoredPaths,
            ActivationMaps = scored.ActivationMaps,
            Masks = GroundTruthMasks.LoadFromManifest(dataDirectory, scored.ScoredPaths, scored.ImageSizes),
        };
        EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = replicates })
            .WriteAsync(input, outputDirectory, cancellationToken).ConfigureAwait(false);
        return new Summary(metrics, outputDirectory, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Adds each image's source and patient from <c>manifest.csv</c> (matched by path relative to the folder).</summary>
    internal static IReadOnlyList<AuditItem> WithManifest(IReadOnlyList<AuditItem> items, string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, DatasetManifest.FileName)))
        {
            return items;
        }

        Dictionary<string, DatasetManifestEntry> entries = new(StringComparer.Ordinal);
        foreach (DatasetManifestEntry entry in DatasetManifest.Read(dataDirectory))
        {
            entries[entry.File.Replace('\\', '/').TrimStart('.', '/')] = entry;
        }

        return [.. items.Select(item => entries.TryGetValue(item.Path, out DatasetManifestEntry? entry)
            ? item with { Source = NullIfEmpty(entry.Source), Group = NullIfEmpty(entry.PatientId) }
            : item)];
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static void Print(TextWriter stdout, Summary summary, bool asJson)
    {
        EvaluationMetrics m = summary.Metrics;
        double? auc = m.Roc.Curves.Classes.FirstOrDefault(c => c.Name == m.Model.PositiveClass)?.Auc;
        if (asJson)
        {
            var report = new
            {
                modelVersion = m.Model.Version,
                samples = m.Samples,
                rejected = m.RejectedImages.Count,
                accuracy = m.Accuracy.Value,
                positiveClassAuc = auc,
                operatingThreshold = m.OperatingPoint.Threshold,
                sensitivityAtThreshold = m.OperatingPoint.Sensitivity.Value,
                specificityAtThreshold = m.OperatingPoint.Specificity.Value,
                auditWarnings = m.DatasetAudit?.Warnings.Select(w => w.Code).ToArray() ?? [],
                pointingGame = m.Localisation?.PointingGame,
                pointingGameChanceLevel = m.Localisation?.ChanceLevel,
                energyInsideLesions = m.Localisation?.EnergyInsideLesions,
                lungSidePointingGame = m.Localisation?.LungSidePointingGame,
                lungSideChanceLevel = m.Localisation?.LungSideChanceLevel,
                reportHtml = Path.Combine(summary.OutputDirectory, EvaluationReportWriter.HtmlFileName),
                metricsJson = Path.Combine(summary.OutputDirectory, EvaluationReportWriter.MetricsFileName),
                seconds = Math.Round(summary.Seconds, 3),
                disclaimer = Disclaimers.ResearchOnly,
            };
            stdout.WriteLine(JsonSerializer.Serialize(report, ManifestJson.Options));
            return;
        }

        stdout.WriteLine(Disclaimers.ResearchOnly);
        stdout.WriteLine(Invariant($"Model {m.Model.Version}: {m.Samples} images scored, {m.RejectedImages.Count} rejected."));
        stdout.WriteLine(Invariant($"Accuracy {m.Accuracy.Value:0.000} {Ci(m.Accuracy.Interval)}; AUC ({m.Model.PositiveClass}) {(auc is double a ? a.ToString("0.000", CultureInfo.InvariantCulture) : "undefined")}"));
        stdout.WriteLine(Invariant($"At threshold {m.OperatingPoint.Threshold:0.###}: sensitivity {m.OperatingPoint.Sensitivity.Value:0.000} {Ci(m.OperatingPoint.Sensitivity.Interval)}, specificity {m.OperatingPoint.Specificity.Value:0.000} {Ci(m.OperatingPoint.Specificity.Interval)}"));
        if (m.Localisation is { } localisation)
        {
            stdout.WriteLine(localisation.Describe());
        }

        foreach (var warning in m.DatasetAudit?.Warnings ?? [])
        {
            stdout.WriteLine("Audit warning: " + warning.Code);
        }

        stdout.WriteLine(Invariant($"Report: {Path.Combine(summary.OutputDirectory, EvaluationReportWriter.HtmlFileName)} ({summary.Seconds:0.00} s)"));
    }

    private static string Ci(ConfidenceInterval? ci) => ci is null ? "[n/a]" : Invariant($"[{ci.Lower:0.000}, {ci.Upper:0.000}]");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Summary(EvaluationMetrics Metrics, string OutputDirectory, double Seconds);
}
