using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid train</c>: trains NASNet on DIR/{covid,normal}, checkpointing every epoch into OUT/checkpoint, then
/// writes OUT/history.json and the exported, parity-checked model package into OUT/model.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> data = new("--data") { Description = "Folder with covid/ and normal/ image folders (and optional manifest.csv).", Required = true };
        Option<DirectoryInfo> output = new("--out") { Description = "Folder for checkpoint/, history.json and model/.", Required = true };
        Option<string> preset = new("--preset")
        {
            Description = "paper: exactly the paper + Keras defaults (learns little from scratch); learn: same network, lr 0.005, Nesterov momentum, batch 8, cosine (learns 600 synthetic x-rays at 256 px: 0.97 validation accuracy in 15 epochs); tiny: small network for tests and smoke runs.",
            DefaultValueFactory = _ => TrainingPresets.Learn,
        };
        preset.AcceptOnlyFromAmong([.. TrainingPresets.Names]);
        Option<int?> epochs = new("--epochs") { Description = "Epochs (preset default 10)." };
        Option<int?> batchSize = new("--batch-size") { Description = "Batch size." };
        Option<double?> learningRate = new("--lr") { Description = "SGD learning rate." };
        Option<double?> momentum = new("--momentum") { Description = "SGD momentum (0 = plain SGD, Keras' default; turns the preset's Nesterov off)." };
        Option<int?> seed = new("--seed") { Description = "Seed for weights, split and shuffling." };
        Option<bool> splitByGroup = new("--split-by-group") { Description = "Split by patient id (manifest.csv) so no patient is on both sides." };
        Option<bool> resume = new("--resume") { Description = "Continue from OUT/checkpoint if it exists." };
        Option<double?> budget = new("--time-budget-minutes") { Description = "Stop at the last finished epoch after this many minutes (resume later)." };
        Option<string?> version = new("--version") { Description = "Model version for the package (default: nasnet-<preset>-<UTC time>)." };
        Command command = new("train", "Train NASNet-A Mobile as the paper does and export a servable ONNX model package.")
        {
            data, output, preset, epochs, batchSize, learningRate, momentum, seed, splitByGroup, resume, budget, version,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            TorchRuntime.EnsureInitialized();
            TrainingRequest defaults = TrainingPresets.Get(parse.GetValue(preset)!);
            string outDirectory = parse.GetValue(output)!.FullName;
            try
            {
                TrainingRequest request = (defaults with
                {
                    Epochs = parse.GetValue(epochs) ?? defaults.Epochs,
                    BatchSize = parse.GetValue(batchSize) ?? defaults.BatchSize,
                    LearningRate = parse.GetValue(learningRate) ?? defaults.LearningRate,
                    Seed = parse.GetValue(seed) ?? defaults.Seed,
                    SplitByGroup = parse.GetValue(splitByGroup),
                    TimeBudget = parse.GetValue(budget) is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
                    Images = ImageFolderDataset.Load(parse.GetValue(data)!.FullName),
                    DatasetManifest = Path.Combine(parse.GetValue(data)!.FullName, ImageFolderDataset.ManifestFileName),
                }).WithMomentum(parse.GetValue(momentum) ?? defaults.Momentum);
                request.Validate();
                writer.WriteLine(Disclaimers.ResearchOnly);
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Preset {request.Preset}: {request.Architecture.Describe()}, {request.Epochs} epochs, batch {request.BatchSize}, "
                    + $"SGD lr {request.LearningRate} momentum {request.Momentum}, {request.Images.Count} images."));
                Trainer trainer = new(new XrayPreprocessorImageLoader(), NullLogger<Trainer>.Instance);
                using TrainingOutcome outcome = await trainer.TrainAsync(
                    request,
                    Path.Combine(outDirectory, "checkpoint"),
                    parse.GetValue(resume),
                    progress: new EpochPrinter(writer, request.BatchSize),
                    cancellationToken: cancellationToken).ConfigureAwait(false);

                string historyPath = Path.Combine(outDirectory, "history.json");
                await File.WriteAllTextAsync(historyPath, JsonSerializer.Serialize(new
                {
                    preset = outcome.Request.Preset,
                    architecture = outcome.Request.Architecture.Describe(),
                    outcome.Request.BatchSize,
                    outcome.Request.LearningRate,
                    outcome.Request.Momentum,
                    outcome.Request.Seed,
                    split = outcome.Split.Method,
                    trainingImages = outcome.Split.Training.Count,
                    validationImages = outcome.Split.Validation.Count,
                    stopReason = outcome.StopReason,
                    outcome.TrainingSeconds,
                    history = outcome.History,
                    disclaimer = Disclaimers.ResearchOnly,
                }, ManifestJson.Options), cancellationToken).ConfigureAwait(false);
                writer.WriteLine($"History: {historyPath}");
                if (!outcome.IsComplete)
                {
                    await error.WriteLineAsync(
                        $"Training stopped ({outcome.StopReason}) after {outcome.EpochsCompleted} of {outcome.Request.Epochs} epochs; "
                        + "run again with --resume to continue. No model was published.").ConfigureAwait(false);
                    return CovidCli.Failure;
                }

                string modelVersion = parse.GetValue(version) ?? $"nasnet-{outcome.Request.Preset}-{DateTime.UtcNow:yyyyMMddHHmmss}";
                PublishResult published = new ModelPublisher(new XrayPreprocessorImageLoader())
                    .Publish(outcome, modelVersion, Path.Combine(outDirectory, "model"));
                ExportCommand.PrintPackage(writer, published);
                string reportDirectory = Path.Combine(outDirectory, "report");
                EvaluationMetrics metrics = await TrainingReport.WriteAsync(
                        published.Package, outcome, reportDirectory, CliServices.GetInferenceOptions(new CliContext(parse)), cancellationToken)
                    .ConfigureAwait(false);
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Report: {Path.Combine(reportDirectory, EvaluationReportWriter.HtmlFileName)} (validation accuracy {metrics.ToSummary().Accuracy:F3})"));
                return CovidCli.Success;
            }
            catch (Exception ex) when (ex is InvalidDatasetException or CheckpointCorruptException or ParityFailedException
                                           or ImageRejectedException or ArgumentException)
            {
                await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return CovidCli.Failure;
            }
        });
        return command;
    }

    /// <summary>
    /// Prints one line per finished epoch and, within an epoch, a progress line (batches done, images/s and ETA from
    /// recent steps) at most every <see cref="StepInterval"/>, so a long epoch never looks hung (a non-terminal gets a
    /// line at least every 30 s while steps take less than that). Synchronous, so lines never interleave.
    /// </summary>
    internal sealed class EpochPrinter(TextWriter writer, int batchSize, TimeProvider? clock = null) : IProgress<TrainingProgress>
    {
        internal static readonly TimeSpan StepInterval = TimeSpan.FromSeconds(10);

        private readonly TimeProvider _clock = clock ?? TimeProvider.System;
        private readonly StepRateMeter _meter = new();
        private long _started = -1;
        private TimeSpan? _lastPrinted;

        public void Report(TrainingProgress value)
        {
            if (_started < 0)
            {
                _started = _clock.GetTimestamp();
            }

            TimeSpan now = _clock.GetElapsedTime(_started);
            if (value.Metrics is { } m)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Epoch {m.Epoch}/{value.Epochs}: loss {m.TrainLoss:F4} acc {m.TrainAccuracy:F3} mse {m.TrainMse:F4} | "
                    + $"val loss {m.ValidationLoss:F4} val acc {m.ValidationAccuracy:F3} val mse {m.ValidationMse:F4} ({m.Seconds:F1} s)"));
                _lastPrinted = now;
                return;
            }

            _meter.Record(now, batchSize);
            if (_lastPrinted is { } last && now - last < StepInterval)
            {
                return;
            }

            int remaining = ((value.Epochs - value.Epoch) * value.StepsPerEpoch) + (value.StepsPerEpoch - value.Step);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Epoch {value.Epoch}/{value.Epochs}: batch {value.Step}/{value.StepsPerEpoch}, loss {value.BatchLoss:F4}, {_meter.Describe(remaining)} (training only)"));
            _lastPrinted = now;
        }
    }
}
