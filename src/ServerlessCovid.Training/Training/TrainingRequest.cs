using ServerlessCovid.Training.Models;

namespace ServerlessCovid.Training.Training;

public enum LearningRateSchedule
{
    /// <summary>Keras' SGD default: the same rate throughout.</summary>
    Constant,

    /// <summary>Cosine decay from the learning rate to zero over all steps of all epochs.</summary>
    Cosine,
}

/// <summary>
/// Everything that determines a training run. Start from a preset (<see cref="TrainingPresets"/>) and override.
/// Stored in every checkpoint (without <see cref="Images"/>, whose split is stored instead).
/// </summary>
public sealed record TrainingRequest
{
    public required string Preset { get; init; }

    public required NasNetConfig Architecture { get; init; }

    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 32;

    public double LearningRate { get; init; } = 0.01;

    public double Momentum { get; init; }

    public bool Nesterov { get; init; }

    public double WeightDecay { get; init; }

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Epochs over which the rate rises linearly from near zero to <see cref="LearningRate"/> before the schedule.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>PyTorch-convention BN momentum (weight of the new batch); Keras' 0.9997 is 0.0003 here.</summary>
    public double BatchNormMomentum { get; init; } = 0.0003;

    /// <summary>
    /// Recompute BN running statistics over the training set (cumulative average) after every epoch, before
    /// validation, checkpoint and export. Without it Keras' momentum leaves eval mode near the 0/1 initial statistics.
    /// </summary>
    public bool PreciseBatchNorm { get; init; } = true;

    /// <summary>
    /// Training images the precise-BN pass averages over (a seeded shuffle of the training split). A few hundred images
    /// at 256 px give each channel's statistics from millions of values; more only costs time (the pass was a quarter
    /// of each epoch over 420 images).
    /// </summary>
    public int PreciseBatchNormImages { get; init; } = 256;

    public int Seed { get; init; } = 42;

    public double ValidationFraction { get; init; } = 0.3;

    public bool SplitByGroup { get; init; }

    /// <summary>Random shifts and flips of the training batches; none by default, and no preset uses them (model card).</summary>
    public TrainingAugmentation Augmentation { get; init; } = TrainingAugmentation.None;

    /// <summary>Stops (at a checkpoint) once this much wall time has passed in one call; null for no limit.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Input size the images are trained at; serving always uses 256, smaller sizes are for tests.</summary>
    public int ImageSize { get; init; } = Core.Models.Preprocessing.Size;

    /// <summary>
    /// A split to use as it is instead of splitting <see cref="Images"/> (benchmarks that hold one validation set fixed
    /// across runs on different training sets). Ignored when resuming: the checkpoint's split is used.
    /// </summary>
    public DatasetSplit? FixedSplit { get; init; }

    /// <summary>The images to split. Ignored when resuming: the checkpoint's split is used.</summary>
    public IReadOnlyList<LabelledImage> Images { get; init; } = [];

    /// <summary>Free-text reference to the dataset (e.g. a dataset manifest path or version) for the model manifest.</summary>
    public string? DatasetManifest { get; init; }

    /// <summary>
    /// Weights a fresh run starts from instead of random ones (warm start), e.g.
    /// <c>TrainingPresets.Get("learn") with { InitialWeights = InitialWeights.FromPackageDirectory(dir) }</c>.
    /// Ignored when resuming: the checkpoint wins. Null: random initialisation.
    /// </summary>
    public InitialWeights? InitialWeights { get; init; }

    /// <summary>This recipe with another momentum. Nesterov needs momentum, so momentum 0 means plain SGD (the paper's).</summary>
    public TrainingRequest WithMomentum(double momentum) => this with { Momentum = momentum, Nesterov = Nesterov && momentum > 0 };

    public void Validate()
    {
        Architecture.Validate();
        Augmentation.Validate();
        if (InitialWeights is { } initial && initial.Architecture != Architecture)
        {
            throw new ArgumentException(
                $"The initial weights belong to {initial.Architecture.Describe()}, but the request trains {Architecture.Describe()}.");
        }

        if (Epochs < 1 || BatchSize < 1 || LearningRate <= 0 || Momentum is < 0 or >= 1 || WeightDecay < 0
            || WarmupEpochs < 0 || WarmupEpochs >= Epochs || PreciseBatchNormImages < 1
            || BatchNormMomentum is <= 0 or > 1 || ValidationFraction is <= 0 or >= 1 || ImageSize < 32)
        {
            throw new ArgumentException(
                $"Invalid training settings: epochs {Epochs}, warm-up epochs {WarmupEpochs}, batch size {BatchSize}, learning rate {LearningRate}, momentum {Momentum}, "
                + $"weight decay {WeightDecay}, BN momentum {BatchNormMomentum}, validation fraction {ValidationFraction}, image size {ImageSize}. "
                + "Epochs and batch size must be positive, warm-up shorter than the run, the learning rate positive, momentum in [0, 1), the validation fraction in (0, 1).");
        }

        if (Nesterov && Momentum == 0)
        {
            throw new ArgumentException("Nesterov momentum needs a momentum above 0; with momentum 0 train plain SGD (Nesterov off).");
        }
    }
}

/// <summary>
/// Named recipes. <c>paper</c> is exactly what the paper states plus Keras' defaults for what it does not (SGD 0.01,
/// no momentum, batch 32, 10 epochs, BN momentum 0.9997): from random weights that is about 60 updates, so expect
/// little learning. <c>learn</c> is the same network with a recipe that learns from scratch, chosen by a sweep at
/// 256 px (model card): lr 0.005 reached validation accuracy 0.972 / AUC 0.997 on 600 synthetic x-rays in 15 epochs,
/// where 0.02 blew up in its first epoch (validation loss 3.66) and trailed. <c>tiny</c> is a small network for tests
/// and smoke runs.
/// </summary>
public static class TrainingPresets
{
    public const string Paper = "paper";

    public const string Learn = "learn";

    public const string Tiny = "tiny";

    public static IReadOnlyList<string> Names { get; } = [Paper, Learn, Tiny];

    public static TrainingRequest Get(string name) => name switch
    {
        Paper => new TrainingRequest { Preset = Paper, Architecture = NasNetConfig.Mobile() },
        Learn => new TrainingRequest
        {
            Preset = Learn,
            Architecture = NasNetConfig.Mobile(),
            BatchSize = 8,
            LearningRate = 0.005,
            Momentum = 0.9,
            Nesterov = true,
            WeightDecay = 1e-4,
            Schedule = LearningRateSchedule.Cosine,
            BatchNormMomentum = 0.1,
        },
        Tiny => new TrainingRequest
        {
            Preset = Tiny,
            Architecture = NasNetConfig.Tiny(),
            BatchSize = 8,
            LearningRate = 0.01,
            Momentum = 0.9,
            Schedule = LearningRateSchedule.Cosine,
            BatchNormMomentum = 0.1,
        },
        _ => throw new ArgumentException($"Unknown preset '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };
}
