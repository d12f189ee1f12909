using System.CommandLine;
using System.Globalization;
using ServerlessCovid.Cli.Demo;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using Spectre.Console;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid demo</c>: the whole system end to end on synthetic data, on an embedded Azurite unless <c>--storage</c>
/// names an account. Writes <c>demo-summary.json</c> and the published report into <c>--out</c>.
/// </summary>
public static class DemoCommand
{
    public const string SummaryFileName = "demo-summary.json";

    public static Command Create()
    {
        Option<bool> quick = new("--quick")
        {
            Description = "Tiny NASNet, 40 images of 128 px, 2 epochs, 10 held-out x-rays: minutes on 2 cores (proves the wiring, not learning).",
        };
        Option<string?> preset = new("--preset")
        {
            Description = $"Training preset: {string.Join(", ", TrainingPresets.Names)}. Default: learn ({TrainingPresets.Tiny} with --quick). "
                + "paper runs the paper's shape (240 images, its recipe), which learns too little to pass the publish floor.",
        };
        preset.AcceptOnlyFromAmong([.. TrainingPresets.Names]);
        Option<int?> images = new Option<int?>("--images") { Description = "Labelled training images, half per class. Default: 600 (240 with --preset paper, 40 with --quick)." }
            .InRangeWhenSet(8, 100_000);
        Option<int?> heldOut = new Option<int?>("--held-out") { Description = "Held-out x-rays triaged through the blob handler. Default: 100 (40 with --preset paper, 10 with --quick)." }
            .InRangeWhenSet(2, 10_000);
        Option<int?> epochs = new Option<int?>("--epochs") { Description = "Training epochs. Default: 6 (the paper's 10 with --preset paper; 2 with --quick)." }
            .InRangeWhenSet(1, 1000);
        Option<int?> imageSize = new Option<int?>("--image-size") { Description = "Nominal synthetic image size in pixels. Default: 512 (128 with --quick)." }
            .InRangeWhenSet(64, 2048);
        Option<int> seed = new("--seed") { Description = "Seed of the synthetic data and the training run.", DefaultValueFactory = _ => 42 };
        Option<string> hospital = new("--hospital")
        {
            Description = "Hospital folder the held-out x-rays are dropped into.",
            DefaultValueFactory = _ => DemoSettings.DefaultHospital,
        };
        CommonOptions.RequireHospitalId(hospital);
        Option<DirectoryInfo> output = new("--out")
        {
            Description = "Folder for the generated images, the downloaded report and demo-summary.json.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "demo")),
            HelpName = "DIR",
        };
        Option<string?> storage = new("--storage")
        {
            Description = "Use this storage account (connection string) instead of an embedded Azurite. "
                + "Nothing else is read from the environment: the demo never touches an account by accident.",
            HelpName = "CONN",
        };
        Option<bool> json = CommonOptions.Json();

        Command command = new("demo", "Run the whole system end to end on synthetic x-rays: data, retraining, publish, triage, results, report.")
        {
            quick, preset, images, heldOut, epochs, imageSize, seed, hospital, output, storage, json,
        };
        command.SetCliAction(async (context, cancellationToken) =>
        {
            string outputDirectory = context.Get(output)!.FullName;
            DemoSettings defaults = context.Get(quick) ? DemoSettings.Quick(outputDirectory)
                : context.Get(preset) == TrainingPresets.Paper ? DemoSettings.Paper(outputDirectory)
                : DemoSettings.Learn(outputDirectory);
            DemoSettings settings = defaults with
            {
                Preset = context.Get(preset) ?? defaults.Preset,
                Images = context.Get(images) ?? defaults.Images,
                HeldOut = context.Get(heldOut) ?? defaults.HeldOut,
                Epochs = context.Get(epochs) ?? defaults.Epochs,
                ImageSize = context.Get(imageSize) ?? defaults.ImageSize,
                Seed = context.Get(seed),
                Hospital = context.Get(hospital)!,
                StorageConnection = context.Get(storage),
            };

            context.Error.WriteLine($"Memory: this demo needs {settings.MemoryNeed}; more images, larger images or a larger batch need more.");
            TorchRuntime.EnsureInitialized();
            Directory.CreateDirectory(outputDirectory);
            DemoSummary summary = await new DemoRunner(context, settings).RunAsync(cancellationToken).ConfigureAwait(false);
            string summaryPath = Path.Combine(outputDirectory, SummaryFileName);
            await File.WriteAllTextAsync(
                summaryPath, System.Text.Json.JsonSerializer.Serialize(summary, ManifestJson.Options), cancellationToken).ConfigureAwait(false);
            if (context.Get(json))
            {
                context.WriteJson(summary);
            }
            else
            {
                Render(context.Console, summary, summaryPath);
            }

            return CovidCli.Success;
        });
        return command;
    }

    private static void Render(IAnsiConsole console, DemoSummary summary, string summaryPath)
    {
        console.Write(new Rule("Results table (what the hospital sees)").LeftJustified());
        ResultsCommand.Render(console, summary.Hospital, summary.Results);

        console.Write(new Rule($"Held-out confusion matrix ({summary.HeldOut.Total} x-rays the model never saw)").LeftJustified());
        Table matrix = new Table().Border(TableBorder.Rounded).AddColumn("true \\ predicted");
        foreach (string label in summary.HeldOut.ClassNames)
        {
            matrix.AddColumn(label);
        }

        for (int actual = 0; actual < summary.HeldOut.ClassNames.Count; actual++)
        {
            matrix.AddRow([summary.HeldOut.ClassNames[actual], .. summary.HeldOut.Counts[actual].Select(c => c.ToString(CultureInfo.InvariantCulture))]);
        }

        console.Write(matrix);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accuracy {Format(summary.HeldOut.Accuracy)}{FormatInterval(summary.HeldOut.AccuracyInterval)}, sensitivity({ClassNames.Positive}) {Format(summary.HeldOut.Sensitivity)}, "
            + $"specificity {Format(summary.HeldOut.Specificity)} on {summary.HeldOut.Scored} scored; {summary.HeldOut.NotScored} not scored."));

        console.Write(new Rule("Stage timings").LeftJustified());
        Table stages = new Table().Border(TableBorder.Rounded).AddColumns("Stage", "Time", "Detail");
        foreach (StageTiming stage in summary.Stages)
        {
            stages.AddRow(Markup.Escape(stage.Stage), CliProgress.FormatDuration(TimeSpan.FromSeconds(stage.Seconds)), Markup.Escape(stage.Detail ?? string.Empty));
            if (stage.Stage.StartsWith(DemoRunner.RetrainingStage, StringComparison.Ordinal))
            {
                // The orchestration's own stage clock, from its run record.
                foreach ((string step, double seconds) in summary.RetrainingStageSeconds)
                {
                    stages.AddRow(Markup.Escape($"  {step}"), CliProgress.FormatDuration(TimeSpan.FromSeconds(seconds)), string.Empty);
                }
            }
        }

        stages.AddRow("total", CliProgress.FormatDuration(TimeSpan.FromSeconds(summary.TotalSeconds)), string.Empty);
        console.Write(stages);

        RenderMetrics(console, summary.Metrics);

        console.Write(new Rule("Model and report").LeftJustified());
        Grid grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("Storage", Markup.Escape(summary.Storage));
        grid.AddRow("Retraining run", Markup.Escape($"{summary.RunId}: {summary.RetrainingStatus} ({summary.RetrainingReason})"));
        grid.AddRow("Model version", Markup.Escape(summary.ModelVersion + (summary.PublishedThisRun ? " (published by this run)" : " (already served; the challenger was not better)")));
        grid.AddRow("Preset", Markup.Escape($"{summary.Preset}, {summary.TrainingImages} labelled synthetic images"));
        grid.AddRow("Report", Markup.Escape(summary.ReportPath));
        grid.AddRow("Report blob", Markup.Escape(summary.ReportBlob));
        grid.AddRow("Summary", Markup.Escape(summaryPath));
        console.Write(grid);
        if (summary.Preset == TrainingPresets.Paper)
        {
            console.WriteLine(
                "Note: the paper's recipe (SGD 0.01, batch 32, 10 epochs) from random weights is about 60 updates and learns "
                + "little; the paper most likely started from ImageNet weights, which are not available here. "
                + "The default demo (--preset learn) trains the same network with a recipe that learns (README, Synthetic x-rays).");
        }

        console.WriteLine(Disclaimers.ResearchOnly);
    }

    /// <summary>The run's metric totals: counters as sums, histograms as count and mean, gauges as their last value.</summary>
    private static void RenderMetrics(IAnsiConsole console, IReadOnlyList<MetricTotal> metrics)
    {
        console.Write(new Rule("Metric totals (ServerlessCovid meter)").LeftJustified());
        Table table = new Table().Border(TableBorder.Rounded).AddColumns("Instrument", "Attributes", "Value");
        foreach (MetricTotal metric in metrics)
        {
            string value = metric.Kind switch
            {
                "histogram" => string.Create(CultureInfo.InvariantCulture, $"{metric.Count} samples, mean {metric.Value / Math.Max(1, metric.Count):0.####}"),
                _ => metric.Value.ToString("0.####", CultureInfo.InvariantCulture),
            };
            table.AddRow(Markup.Escape(metric.Instrument), Markup.Escape(metric.Attributes), Markup.Escape(value));
        }

        console.Write(table);
    }

    private static string Format(double? value) => value?.ToString("0.000", CultureInfo.InvariantCulture) ?? "n/a";

    private static string FormatInterval(ConfidenceInterval? interval) =>
        interval is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" (95% CI {interval.Lower:0.000}–{interval.Upper:0.000})");
}
