using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using Spectre.Console;

namespace ServerlessCovid.Cli.Commands;

/// <summary><c>covid models list|show|publish|rollback</c>: the published models of a storage account (Azurite or Azure).</summary>
public static class ModelsCommand
{
    /// <summary>The rows of <c>models list --format csv|json</c>: every field of <see cref="ModelListItem"/>.</summary>
    internal static readonly IReadOnlyList<ListColumn<ModelListItem>> Columns =
    [
        new("current", m => m.Current),
        new("version", m => m.Version),
        new("createdUtc", m => m.CreatedUtc),
        new("preset", m => m.Preset),
        new("operatingThreshold", m => m.OperatingThreshold),
        new("thresholdMethod", m => m.ThresholdMethod),
        new("accuracy", m => m.Accuracy),
        new("positiveClassAuc", m => m.PositiveClassAuc),
        new("validationSamples", m => m.ValidationSamples),
        new("onnxSha256", m => m.OnnxSha256),
    ];

    public static Command Create()
    {
        Command command = new("models", "List, inspect, publish and roll back the models published in a storage account.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateShow());
        command.Subcommands.Add(CreatePublish());
        command.Subcommands.Add(CreateRollback());
        return command;
    }

    private static Command CreateList()
    {
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Command command = new("list", "Published model versions, newest first; the served one is marked.") { storage, json };
        command.Options.Add(CommonOptions.AccountUrl());
        Option<ListFormat> format = ListOutput.AddFormatOption(command, json);
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            IModelRegistry registry = services.GetRequiredService<IModelRegistry>();
            CurrentModelPointer? current = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<ModelManifest> models = await registry.ListAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<ModelListItem> items = [.. models.Select(m => ModelListItem.From(m, current))];
            if (context.Get(json))
            {
                context.WriteJson(new ModelList(current?.Version, items));
                return CovidCli.Success;
            }

            if (context.Get(format) is ListFormat rowFormat and not ListFormat.Table)
            {
                ListOutput.Write(context.Out, rowFormat, items, Columns);
                return CovidCli.Success;
            }

            if (items.Count == 0)
            {
                context.Console.WriteLine("No models are published in this storage account yet.");
                return CovidCli.Success;
            }

            Table table = new Table().Border(TableBorder.Rounded)
                .AddColumns("", "Version", "Created (UTC)", "Preset", "Threshold", "Accuracy", "AUC", "Samples");
            foreach (ModelListItem item in items)
            {
                table.AddRow(
                    item.Current ? "*" : string.Empty,
                    Markup.Escape(item.Version),
                    item.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    Markup.Escape(item.Preset ?? "-"),
                    Format(item.OperatingThreshold),
                    Format(item.Accuracy),
                    Format(item.PositiveClassAuc),
                    item.ValidationSamples?.ToString(CultureInfo.InvariantCulture) ?? "-");
            }

            context.Console.Write(table);
            context.Console.WriteLine(current is null
                ? "No model is being served (current.json is missing)."
                : $"* served: {current.Version} since {current.SwitchedUtc.UtcDateTime:u} ({current.Reason})");
            return CovidCli.Success;
        });
        return command;
    }

    private static Command CreateShow()
    {
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Argument<string?> version = new("VERSION")
        {
            Description = "The version to show; default: the one being served.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        Command command = new("show", "Show a published model's manifest (training, evaluation, threshold, parity).")
        {
            storage, json, version,
        };
        command.Options.Add(CommonOptions.AccountUrl());
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            IModelRegistry registry = services.GetRequiredService<IModelRegistry>();
            CurrentModelPointer? current = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            string wanted = context.Get(version) ?? current?.Version
                ?? throw new CliFailureException("No model is being served; name a VERSION (see `covid models list`).");
            IReadOnlyList<ModelManifest> models = await registry.ListAsync(cancellationToken).ConfigureAwait(false);
            ModelManifest manifest = models.FirstOrDefault(m => string.Equals(m.Version, wanted, StringComparison.Ordinal))
                ?? throw new CliFailureException(
                    $"Model version '{wanted}' is not published here. Published: {DescribeVersions(models)}.");
            bool served = string.Equals(current?.Version, manifest.Version, StringComparison.Ordinal);
            if (context.Get(json))
            {
                context.WriteJson(new ModelDetails(served, manifest));
                return CovidCli.Success;
            }

            Grid grid = new Grid().AddColumn().AddColumn();
            void Row(string name, string? value) => grid.AddRow(Markup.Escape(name), Markup.Escape(value ?? "-"));
            Row("Version", manifest.Version + (served ? " (served)" : string.Empty));
            Row("Created (UTC)", manifest.CreatedUtc.UtcDateTime.ToString("u", CultureInfo.InvariantCulture));
            Row("ONNX SHA-256", manifest.OnnxSha256);
            Row("Classes", string.Join(", ", manifest.ClassNames));
            Row("Preprocessing", manifest.PreprocessingId);
            Row("Threshold", string.Create(CultureInfo.InvariantCulture,
                $"P({manifest.PositiveClass}) >= {manifest.OperatingThreshold:0.####} ({manifest.ThresholdMethod})"));
            if (manifest.Training is { } training)
            {
                Row("Training", string.Create(CultureInfo.InvariantCulture,
                    $"{training.Architecture} preset {training.Preset}: {training.Epochs} epochs, batch {training.BatchSize}, "
                    + $"lr {training.LearningRate}, momentum {training.Momentum}, seed {training.Seed}, "
                    + $"{training.TrainingImages} train / {training.ValidationImages} validation images, {training.WallSeconds:0} s"));
            }

            if (manifest.Evaluation is { } evaluation)
            {
                Row("Validation", string.Create(CultureInfo.InvariantCulture,
                    $"accuracy {evaluation.Accuracy:0.###}, AUC({manifest.PositiveClass}) {evaluation.PositiveClassAuc:0.###}, "
                    + $"sensitivity {evaluation.SensitivityAtThreshold:0.###}, specificity {evaluation.SpecificityAtThreshold:0.###} "
                    + $"on {evaluation.Samples} images"));
            }

            if (manifest.Parity is { } parity)
            {
                Row("ONNX parity", string.Create(CultureInfo.InvariantCulture,
                    $"max |diff| {parity.MaxAbsoluteDifference:0.###e0} vs tolerance {parity.Tolerance:0.###e0} over "
                    + $"{parity.InputsCompared} inputs: {(parity.Passed ? "passed" : "FAILED")}"));
            }

            Row("Disclaimer", manifest.Disclaimer);
            context.Console.Write(grid);
            return CovidCli.Success;
        });
        return command;
    }

    private static Command CreatePublish()
    {
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Option<DirectoryInfo?> artifacts = new("--artifacts")
        {
            Description = "Folder of the evaluation report, metrics and figures to publish with the model (served by GET /api/models/{version}/files/...).",
        };
        Argument<DirectoryInfo> directory = new("DIR") { Description = "A model package (manifest.json, model.onnx, optional weights) trained elsewhere." };
        Command command = new("publish", "Publish a model package and serve it: the same checks as retraining's publish (manifest, SHA-256, ONNX Runtime load).")
        {
            storage, json, artifacts, directory,
        };
        command.SetCliAction(async (context, cancellationToken) =>
        {
            DirectoryInfo source = context.Get(directory)!;
            DirectoryInfo? artifactsDirectory = context.Get(artifacts);
            if (artifactsDirectory is { Exists: false })
            {
                throw new CliUsageException($"--artifacts '{artifactsDirectory.FullName}' does not exist.");
            }

            ModelPackage package = LoadCheckedPackage(source.FullName);
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            EnsureLoadable(services.GetRequiredService<IXrayClassifier>(), package);

            IModelRegistry registry = services.GetRequiredService<IModelRegistry>();
            CurrentModelPointer? before = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            CurrentModelPointer after;
            try
            {
                after = await registry.PublishAsync(package, artifactsDirectory?.FullName, before?.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (ModelRegistryConflictException ex)
            {
                throw new CliFailureException($"Not published: current.json changed while publishing ({ex.Message}). Run the command again.");
            }

            if (context.Get(json))
            {
                context.WriteJson(new PublishResultOutput(before?.Version, after));
            }
            else
            {
                context.Console.WriteLine($"Published and now serving {after.Version} (was {before?.Version ?? "none"}), ONNX SHA-256 {after.OnnxSha256}.");
            }

            return CovidCli.Success;
        });
        return command;
    }

    /// <summary>Manifest, ONNX SHA-256 and weights checksum, exactly as a retraining run's package is loaded before it is published.</summary>
    private static ModelPackage LoadCheckedPackage(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new CliUsageException($"'{directory}' does not exist.");
        }

        try
        {
            return ModelPackage.LoadFromDirectory(directory);
        }
        catch (Exception ex) when (ex is InvalidModelPackageException or InvalidModelWeightsException)
        {
            throw new CliFailureException($"Not published: {ex.Message}");
        }
    }

    /// <summary>Loads the graph in ONNX Runtime and checks it against the manifest, as serving will before switching.</summary>
    private static void EnsureLoadable(IXrayClassifier classifier, ModelPackage package)
    {
        try
        {
            classifier.Activate(package);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new CliFailureException($"Not published: ONNX Runtime cannot serve model {package.Manifest.Version}: {ex.Message}");
        }
    }

    private static Command CreateRollback()
    {
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Option<string> reason = new("--reason")
        {
            Description = "Why, recorded in current.json.",
            DefaultValueFactory = _ => "manual rollback (covid models rollback)",
        };
        Argument<string> version = new("VERSION") { Description = "An already published version to serve again." };
        Command command = new("rollback", "Serve an already published version again (switches models/current.json).")
        {
            storage, json, reason, version,
        };
        command.Options.Add(CommonOptions.AccountUrl());
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            IModelRegistry registry = services.GetRequiredService<IModelRegistry>();
            string target = context.Get(version)!;
            CurrentModelPointer? before = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<ModelManifest> models = await registry.ListAsync(cancellationToken).ConfigureAwait(false);
            if (!models.Any(m => string.Equals(m.Version, target, StringComparison.Ordinal)))
            {
                throw new CliFailureException(
                    $"Cannot roll back to '{target}': it is not published here. Published: {DescribeVersions(models)}.");
            }

            CurrentModelPointer after;
            try
            {
                after = await registry.RollbackAsync(target, context.Get(reason)!, cancellationToken).ConfigureAwait(false);
            }
            catch (ModelNotServableException ex)
            {
                throw new CliFailureException($"Not rolled back, {before?.Version ?? "nothing"} stays current: {ex.Message}");
            }

            if (context.Get(json))
            {
                context.WriteJson(new RollbackResult(before?.Version, after));
            }
            else
            {
                context.Console.WriteLine($"Now serving {after.Version} (was {before?.Version ?? "none"}): {after.Reason}");
            }

            return CovidCli.Success;
        });
        return command;
    }

    private static string DescribeVersions(IReadOnlyList<ModelManifest> models) =>
        models.Count == 0 ? "none" : string.Join(", ", models.Select(m => m.Version));

    private static string Format(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";
}

public sealed record ModelListItem(
    string Version,
    DateTimeOffset CreatedUtc,
    bool Current,
    string? Preset,
    double OperatingThreshold,
    string ThresholdMethod,
    double? Accuracy,
    double? PositiveClassAuc,
    int? ValidationSamples,
    string OnnxSha256)
{
    public static ModelListItem From(ModelManifest manifest, CurrentModelPointer? current)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new(
            manifest.Version,
            manifest.CreatedUtc,
            string.Equals(current?.Version, manifest.Version, StringComparison.Ordinal),
            manifest.Training?.Preset,
            manifest.OperatingThreshold,
            manifest.ThresholdMethod,
            manifest.Evaluation?.Accuracy,
            manifest.Evaluation?.PositiveClassAuc,
            manifest.Evaluation?.Samples,
            manifest.OnnxSha256);
    }
}

public sealed record ModelList(string? CurrentVersion, IReadOnlyList<ModelListItem> Models);

public sealed record ModelDetails(bool Served, ModelManifest Manifest);

public sealed record RollbackResult(string? PreviousVersion, CurrentModelPointer Current);

public sealed record PublishResultOutput(string? PreviousVersion, CurrentModelPointer Current);
