using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Demo;

/// <summary>What <c>covid demo</c> runs. <see cref="Paper"/> and <see cref="Quick"/> are the two documented shapes.</summary>
public sealed record DemoSettings
{
    public const string DefaultHospital = "demo-hospital";

    /// <summary>Hospital folder (under <c>labelled/{label}/</c>) that the training images are filed under.</summary>
    public const string TrainingSource = "synthetic-training";

    public required string Preset { get; init; }

    /// <summary>Labelled training images (balanced, half per class); the pipeline splits them 70/30.</summary>
    public required int Images { get; init; }

    /// <summary>Fresh synthetic x-rays (another seed, so other "patients") dropped into the hospital folder.</summary>
    public required int HeldOut { get; init; }

    /// <summary>Null: the preset's own epoch count (10 for the paper).</summary>
    public int? Epochs { get; init; }

    public required int ImageSize { get; init; }

    public int Seed { get; init; } = 42;

    public string Hospital { get; init; } = DefaultHospital;

    /// <summary>Local folder for the generated images, the downloaded report and the summary.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>
    /// The default shape's measured memory need, printed before the demo starts: a machine without it fails after
    /// minutes of training rather than at once. Other image counts, sizes or batches need more or less.
    /// </summary>
    public required string MemoryNeed { get; init; }

    /// <summary>Null: start an embedded Azurite for the run and stop it afterwards.</summary>
    public string? StorageConnection { get; init; }

    /// <summary>
    /// Why this demo's run may publish a model below the retraining publish floor, or null to apply the floor as a
    /// scheduled run would. Recorded in the run's settings and its publish reason.
    /// </summary>
    public string? PublishFloorWaiver { get; init; }

    /// <summary>Seed of the held-out set: a different seed gives different synthetic patients.</summary>
    public int HeldOutSeed => unchecked(Seed + 1_000_003);

    /// <summary>
    /// The default: NASNet-A Mobile with the <c>learn</c> recipe on 600 images (about 427 trained on), 5 epochs: about 8
    /// minutes of training on an idle 2-core machine for a model that learned, judged on 100 fresh x-rays.
    /// </summary>
    public static DemoSettings Learn(string outputDirectory) => new()
    {
        Preset = TrainingPresets.Learn,
        Images = 600,
        HeldOut = 100,
        Epochs = 5,
        ImageSize = 512,
        OutputDirectory = outputDirectory,
        MemoryNeed = "about 2.5 GB (peak RSS 2.15–2.30 GB in two fresh-clone runs, 2026-12-06)",
    };

    /// <summary>The paper's shape: 240 images (120 per class), NASNet-A Mobile, the paper's recipe (10 epochs).</summary>
    public static DemoSettings Paper(string outputDirectory) => new()
    {
        Preset = TrainingPresets.Paper,
        Images = 240,
        HeldOut = 40,
        ImageSize = 512,
        OutputDirectory = outputDirectory,
        MemoryNeed = "about 5 GB (batch 32: its training alone peaked at 4.7 GB RSS in covid bench learn --preset paper)",
    };

    /// <summary>Minutes on two cores: a tiny NASNet, few small images, few epochs. Proves the wiring, not learning.</summary>
    public static DemoSettings Quick(string outputDirectory) => new()
    {
        Preset = TrainingPresets.Tiny,
        Images = 40,
        HeldOut = 10,
        Epochs = 2,
        ImageSize = 128,
        OutputDirectory = outputDirectory,
        MemoryNeed = "about 0.7 GB (peak RSS 0.67 GB measured, 2026-12-04)",

        // 12 validation images and two epochs of the tiny network cannot pass the floor, and are not meant to.
        PublishFloorWaiver = "covid demo --quick proves the wiring, not learning",
    };
}
