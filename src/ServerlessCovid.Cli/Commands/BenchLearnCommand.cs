using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using static TorchSharp.torch;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench learn</c>: does a recipe learn? Trains on a seeded synthetic set (or a labelled folder) and prints
/// the per-epoch table with validation AUC, the first epoch reaching the <c>learn</c> preset's target, time and peak
/// memory. <c>--probe-sizes</c> instead compares one step's activations and gradients at several input sizes from
/// the same initial weights. A benchmark, not a test: it takes minutes to hours and asserts nothing.
/// </summary>
public static class BenchLearnCommand
{
    /// <summary>What the issue asks of the retraining default on 600 synthetic images at 256 px within 15 epochs.</summary>
    public const double TargetAccuracy = 0.90;

    public const double TargetAuc = 0.95;

    public static Command Create()
    {
        Option<DirectoryInfo?> data = new("--data") { Description = "Labelled folder (covid/, normal/); default: a synthetic set generated into --work." };
        Option<DirectoryInfo> work = new("--work") { Description = "Scratch folder (synthetic sets are cached here).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "bench-learn")) };
        Option<int> count = new("--count") { Description = "Synthetic images to generate.", DefaultValueFactory = _ => 600 };
        Option<int> dataSeed = new("--data-seed") { Description = "Seed of the synthetic set.", DefaultValueFactory = _ => 7 };
        Option<int> generatedSize = new("--generated-size") { Description = "Nominal size of the generated images.", DefaultValueFactory = _ => 256 };
        Option<string> preset = new("--preset") { Description = "Recipe to start from.", DefaultValueFactory = _ => TrainingPresets.Learn };
        preset.AcceptOnlyFromAmong([.. TrainingPresets.Names]);
        Option<int?> epochs = new("--epochs") { Description = "Epochs (default: the preset's)." };
        Option<int?> batchSize = new("--batch-size") { Description = "Batch size." };
        Option<double?> learningRate = new("--lr") { Description = "Peak SGD learning rate." };
        Option<double?> momentum = new("--momentum") { Description = "SGD momentum (0 = plain SGD: Nesterov is turned off with it)." };
        Option<double?> batchNormMomentum = new("--bn-momentum") { Description = "BN momentum, PyTorch convention (weight of the new batch)." };
        Option<int?> warmupEpochs = new("--warmup-epochs") { Description = "Linear learning-rate warm-up epochs." };
        Option<double?> maxShift = new("--max-shift") { Description = "Augmentation: largest random shift of a training image, as a fraction of its side (0 = none)." };
        Option<bool?> flip = new("--flip") { Description = "Augmentation: mirror training images left-right at random (true/false)." };
        Option<int> imageSize = new("--image-size") { Description = "Input size trained at.", DefaultValueFactory = _ => Preprocessing.Size };
        Option<int> seed = new("--seed") { Description = "Seed of weights, split and shuffling.", DefaultValueFactory = _ => 42 };
        Option<string?> probeSizes = new("--probe-sizes") { Description = "Compare one training step at these input sizes (e.g. 128,256) from the same weights instead of training." };
        Option<int> probeSteps = new("--probe-steps") { Description = "With --probe-sizes: also train this many steps at each size and print the loss.", DefaultValueFactory = _ => 0 };
        Option<bool> warmStart = new("--warm-start") { Description = "Compare retraining from the champion's weights with retraining from scratch (three runs)." };
        Option<FileInfo> initialWeights = new("--initial-weights") { Description = "Start from these TorchSharp weights (e.g. --warm-start's champion-weights.bin) instead of random ones: one warm run with another recipe, on the same split." };
        initialWeights.AcceptExistingOnly();
        Option<bool> localiseEachEpoch = new("--localise-each-epoch")
        {
            Description = "Measure the pointing game after every epoch, not only the last (trains one epoch per call, resuming from the checkpoint as retraining's chunks do).",
        };
        Option<int> probe = new("--probe")
        {
            Description = "Synthetic films (half COVID, each with its findings in one lung) on which to measure the trained model's heat maps as well (0 = none).",
            DefaultValueFactory = _ => 200,
        };
        probe.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--probe must be 0 or more.");
            }
        });
        Option<int?> championEpochs = new("--champion-epochs") { Description = "With --warm-start: epochs the champion trains (default: --epochs); a served champion has usually run its preset's full schedule." };
        Command command = new("learn", "Benchmark whether and how fast a training recipe learns (per-epoch table, validation AUC, peak memory).")
        {
            data, work, count, dataSeed, generatedSize, preset, epochs, batchSize, learningRate, momentum, batchNormMomentum,
            warmupEpochs, maxShift, flip, imageSize, seed, probeSizes, probeSteps, warmStart, championEpochs, initialWeights, localiseEachEpoch, probe,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            TorchRuntime.EnsureInitialized();
            int[]? sizes = null;
            try
            {
                sizes = parse.GetValue(probeSizes) is { } text ? ParseSizes(text) : null;
            }
            catch (FormatException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("--probe-sizes must be comma-separated integers, e.g. 128,256.").ConfigureAwait(false);
                return CovidCli.UsageError;
            }

            string dataDirectory = parse.GetValue(data)?.FullName
                ?? EnsureSynthetic(parse.GetValue(work)!.FullName, parse.GetValue(count), parse.GetValue(dataSeed), parse.GetValue(generatedSize), writer, cancellationToken);
            TrainingRequest defaults = TrainingPresets.Get(parse.GetValue(preset)!);
            TrainingRequest request = (defaults with
            {
                Epochs = parse.GetValue(epochs) ?? defaults.Epochs,
                BatchSize = parse.GetValue(batchSize) ?? defaults.BatchSize,
                LearningRate = parse.GetValue(learningRate) ?? defaults.LearningRate,
                BatchNormMomentum = parse.GetValue(batchNormMomentum) ?? defaults.BatchNormMomentum,
                WarmupEpochs = parse.GetValue(warmupEpochs) ?? defaults.WarmupEpochs,
                Augmentation = defaults.Augmentation with
                {
                    MaxShiftFraction = parse.GetValue(maxShift) ?? defaults.Augmentation.MaxShiftFraction,
                    HorizontalFlip = parse.GetValue(flip) ?? defaults.Augmentation.HorizontalFlip,
                },
                ImageSize = parse.GetValue(imageSize),
                Seed = parse.GetValue(seed),
                Images = ImageFolderDataset.Load(dataDirectory),
                InitialWeights = parse.GetValue(initialWeights) is { } weights
                    ? InitialWeights.FromFile(weights.FullName, defaults.Architecture, weights.Name)
                    : null,
            }).WithMomentum(parse.GetValue(momentum) ?? defaults.Momentum);
            try
            {
                request.Validate();
            }
            catch (ArgumentException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return CovidCli.UsageError;
            }

            writer.WriteLine(Disclaimers.ResearchOnly);
            writer.WriteLine(RuntimeSettings.Describe());
            writer.WriteLine(Describe(request, dataDirectory));
            if (sizes is not null)
            {
                LearningProbeReport.Print(writer, request, sizes, parse.GetValue(probeSteps), cancellationToken);
                return CovidCli.Success;
            }

            string runDirectory = Path.Combine(parse.GetValue(work)!.FullName, "runs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            if (parse.GetValue(warmStart))
            {
                int champion = parse.GetValue(championEpochs) ?? request.Epochs;
                if (champion < 1)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync("--champion-epochs must be at least 1.").ConfigureAwait(false);
                    return CovidCli.UsageError;
                }

                await WarmStartComparison.RunAsync(writer, request, champion, runDirectory, cancellationToken).ConfigureAwait(false);
                return CovidCli.Success;
            }

            Trainer trainer = new(new XrayPreprocessorImageLoader(), NullLogger<Trainer>.Instance);
            writer.WriteLine("epoch  train loss  train acc  val loss  val acc  val AUC  seconds");
            try
            {
                using TrainingOutcome outcome = parse.GetValue(localiseEachEpoch)
                    ? await TrainLocalisingEachEpochAsync(trainer, request, runDirectory, dataDirectory, writer, cancellationToken).ConfigureAwait(false)
                    : await trainer.TrainAsync(request, runDirectory, progress: new EpochRowPrinter(writer), cancellationToken: cancellationToken).ConfigureAwait(false);
                PrintSummary(writer, outcome);
                writer.WriteLine(BenchLocalisation.Measure(outcome, dataDirectory, cancellationToken)?.Describe()
                    ?? "Localisation: the data folder's manifest.csv names no lesion masks (covid synth writes them).");
                if (parse.GetValue(probe) is > 0 and int probeCount)
                {
                    PrintProbe(writer, outcome, parse.GetValue(work)!.FullName, probeCount, unchecked(parse.GetValue(dataSeed) + ProbeSeedOffset), parse.GetValue(generatedSize), cancellationToken);
                }
            }
            catch (MaskInputException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("Localisation failed: " + ex.Code + ": " + ex.Message).ConfigureAwait(false);
                return CovidCli.Failure;
            }

            return CovidCli.Success;
        });
        return command;
    }

    /// <summary>
    /// One epoch per trainer call, each resuming from the last one's checkpoint, with the localisation line after
    /// each: whether the evidence settles on the lesions, and when, is visible in one run. Returns the last outcome.
    /// </summary>
    /// <exception cref="MaskInputException">A named mask cannot be used.</exception>
    private static async Task<TrainingOutcome> TrainLocalisingEachEpochAsync(
        Trainer trainer, TrainingRequest request, string runDirectory, string dataDirectory, TextWriter writer, CancellationToken cancellationToken)
    {
        TrainingOutcome? outcome = null;
        try
        {
            for (int epoch = 1; epoch <= request.Epochs; epoch++)
            {
                outcome?.Dispose();
                outcome = null;
                outcome = await trainer.TrainAsync(
                    request, runDirectory, startFromCheckpoint: epoch > 1, epochsToRunNow: 1, progress: new EpochRowPrinter(writer), cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                if (epoch < request.Epochs)
                {
                    writer.WriteLine("       " + (BenchLocalisation.Measure(outcome, dataDirectory, cancellationToken)?.Describe() ?? "no lesion masks"));
                }
            }

            return outcome!;
        }
        catch
        {
            outcome?.Dispose();
            throw;
        }
    }

    internal static string Describe(TrainingRequest r, string dataDirectory) => string.Create(CultureInfo.InvariantCulture,
        $"Recipe {r.Preset}: {r.Architecture.Describe()} at {r.ImageSize}×{r.ImageSize}, {r.Epochs} epochs, batch {r.BatchSize}, "
        + $"SGD lr {r.LearningRate} momentum {r.Momentum}{(r.Nesterov ? " Nesterov" : string.Empty)}, weight decay {r.WeightDecay}, "
        + $"{r.Schedule} schedule, warm-up {r.WarmupEpochs} epoch(s), BN momentum {r.BatchNormMomentum}, {r.Augmentation.Describe()}, seed {r.Seed}; "
        + $"{r.Images.Count} images from {dataDirectory}, {1 - r.ValidationFraction:P0}/{r.ValidationFraction:P0} stratified.");

    private static void PrintSummary(TextWriter writer, TrainingOutcome outcome)
    {
        EpochMetrics last = outcome.History[^1];
        EpochMetrics? reached = outcome.History.FirstOrDefault(m => m.ValidationAccuracy >= TargetAccuracy && m.ValidationAuc >= TargetAuc);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Final (epoch {last.Epoch}): validation accuracy {last.ValidationAccuracy:F3}, AUC {last.ValidationAuc:F3} on {outcome.Split.Validation.Count} images; "
            + $"train accuracy {last.TrainAccuracy:F3}; {outcome.TrainingSeconds / 60:F1} min; peak RSS {RuntimeSettings.PeakResidentBytes() / 1e9:F2} GB."));
        writer.WriteLine(reached is null
            ? string.Create(CultureInfo.InvariantCulture, $"Target (accuracy ≥ {TargetAccuracy:F2} and AUC ≥ {TargetAuc:F2}): not reached.")
            : string.Create(CultureInfo.InvariantCulture, $"Target (accuracy ≥ {TargetAccuracy:F2} and AUC ≥ {TargetAuc:F2}): reached at epoch {reached.Epoch}."));
    }

    /// <summary>Keeps the probe's synthetic patients apart from the training set's (the demo's held-out set uses the same offset).</summary>
    private const int ProbeSeedOffset = 1_000_003;

    /// <summary>
    /// The localisation line on a probe set whose COVID films have their findings in one lung: there, a map's single
    /// maximum has one right lung to pick, where bilateral findings give it two and a maximum between them is a miss.
    /// </summary>
    /// <exception cref="MaskInputException">A named mask cannot be used.</exception>
    private static void PrintProbe(TextWriter writer, TrainingOutcome outcome, string work, int count, int seed, int size, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(work, string.Create(CultureInfo.InvariantCulture, $"probe-one-lung-{count}-seed{seed}-{size}px"));
        if (!File.Exists(Path.Combine(directory, ImageFolderDataset.ManifestFileName)))
        {
            SyntheticXrayGenerator.WriteDataset(directory, count, seed, size, unilateral: true, cancellationToken);
        }

        LocalisationMetrics? metrics = BenchLocalisation.Measure(outcome, ImageFolderDataset.Load(directory), directory, cancellationToken);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Probe ({count} synthetic films, seed {seed}, COVID findings in one lung): ")
            + (metrics?.Describe() ?? "no lesion masks."));
        writer.WriteLine(BenchEvidenceSwap.Describe(outcome, work, count, seed, size, cancellationToken));
    }

    internal static string EnsureSynthetic(string work, int count, int seed, int size, TextWriter writer, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(work, string.Create(CultureInfo.InvariantCulture, $"synthetic-{count}-seed{seed}-{size}px"));
        // A set cached before the generator wrote masks is regenerated, so the localisation check has its ground truth.
        if (!File.Exists(Path.Combine(directory, ImageFolderDataset.ManifestFileName))
            || !Directory.Exists(Path.Combine(directory, SyntheticXrayGenerator.MaskFolder)))
        {
            SyntheticDatasetResult result = SyntheticXrayGenerator.WriteDataset(directory, count, seed, size, cancellationToken: cancellationToken);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Generated {result.Entries.Count} synthetic images in {result.Elapsed.TotalSeconds:F1} s."));
        }

        return directory;
    }

    private static int[] ParseSizes(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

    /// <summary>One table row per finished epoch.</summary>
    private sealed class EpochRowPrinter(TextWriter writer) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Metrics is { } m)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Epoch,5}  {m.TrainLoss,10:F4}  {m.TrainAccuracy,9:F3}  {m.ValidationLoss,8:F4}  {m.ValidationAccuracy,7:F3}  {m.ValidationAuc,7:F3}  {m.Seconds,7:F1}"));
            }
        }
    }
}
