using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid evaluate</c>: scores a labelled folder (<c>covid/</c>, <c>normal/</c>) with a model package and writes the
/// evaluation report (report.html, metrics.json, the paper's figures). Exit code 1 when the model or data is unusable.
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
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            try
            {
                Summary summary = await RunAsync(
                    parse.GetValue(model)!.FullName, parse.GetValue(data)!.FullName, parse.GetValue(output)!.FullName,
                    parse.GetValue(replicates), cancellationToken).ConfigureAwait(false);
                Print(stdout, summary, parse.GetValue(json));
                return CovidCli.Success;
            }
            catch (Exception ex) when (ex is InvalidModelPackageException or EvaluationInputException or ModelUnavailableException
                or ImageRejectedException or IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync("evaluate failed: " + ex.Message).ConfigureAwait(false);
                return CovidCli.Failure;
            }
        });
        return command;
    }

    private static async Task<Summary> RunAsync(
        string modelDirectory, string dataDirectory, string outputDirectory, int replicates, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        ModelPackage package = ModelPackage.LoadFromDirectory(modelDirectory);
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddXrayInference();
        using ServiceProvider provider = services.BuildServiceProvider();
        IXrayClassifier classifier = provider.GetRequiredService<IXrayClassifier>();
        classifier.Activate(package);

        LabelledFolderScores scored = await LabelledFolderScorer.ScoreAsync(classifier, dataDirectory, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        EvaluationInput input = new(EvaluatedModel.FromManifest(package.Manifest), Path.GetFileName(dataDirectory.TrimEnd('/')), scored.Scores)
        {
            AuditItems = scored.AuditItems,
            RejectedImages = scored.Rejected,
        };
        EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = replicates })
            .WriteAsync(input, outputDirectory, cancellationToken).ConfigureAwait(false);
        return new Summary(metrics, outputDirectory, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

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
