using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Orchestration;

/// <summary>Input of <see cref="RetrainingOrchestrator"/>: who started it and the settings it runs with.</summary>
public sealed record RetrainingRequest(string Trigger, RetrainingSettings Settings);

/// <summary>A snapshot of <see cref="RetrainingOptions"/> taken by the starter, so a run is reproducible from its input.</summary>
public sealed record RetrainingSettings
{
    public int MinImagesPerClass { get; init; } = 20;

    public string Preset { get; init; } = "learn";

    public int? Epochs { get; init; }

    public int EpochsPerChunk { get; init; } = 2;

    public double ValidationFraction { get; init; } = 0.3;

    public int Seed { get; init; } = 42;

    public PrimaryMetric PrimaryMetric { get; init; } = PrimaryMetric.PositiveClassAuc;

    public double MinimumImprovement { get; init; } = 0.01;

    public int MaxAttempts { get; init; } = 4;

    public double FirstRetrySeconds { get; init; } = 30;

    public int MinValidationImagesPerClass { get; init; } = 20;

    public double MinSensitivity { get; init; } = 0.5;

    public double MinSpecificity { get; init; } = 0.5;

    public bool WarmStart { get; init; } = true;

    /// <summary>Optional learning-rate override (experiments, and tests that need a deliberately worse challenger).</summary>
    public double? LearningRate { get; init; }

    /// <summary>
    /// Why the publish floor does not apply to this run, or null (always, for scheduled and HTTP runs: no setting
    /// binds it). Only code sets it, for runs that prove wiring rather than learning (<c>covid demo --quick</c>);
    /// it is recorded with the run's settings and in the publish reason.
    /// </summary>
    public string? PublishFloorWaiver { get; init; }

    public static RetrainingSettings From(RetrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RetrainingSettings
        {
            MinImagesPerClass = options.MinImagesPerClass,
            Preset = options.Preset,
            Epochs = options.Epochs,
            EpochsPerChunk = options.EpochsPerChunk,
            ValidationFraction = options.ValidationFraction,
            Seed = options.Seed,
            PrimaryMetric = options.PrimaryMetric,
            MinimumImprovement = options.MinimumImprovement,
            MaxAttempts = options.MaxAttempts,
            FirstRetrySeconds = options.FirstRetrySeconds,
            MinValidationImagesPerClass = options.MinValidationImagesPerClass,
            MinSensitivity = options.MinSensitivity,
            MinSpecificity = options.MinSpecificity,
            WarmStart = options.WarmStart,
        };
    }
}

/// <summary>How a run ended.</summary>
public enum RetrainingStatus
{
    Running,

    /// <summary>The challenger became the current model.</summary>
    Published,

    /// <summary>The challenger was not better than the champion; current.json untouched.</summary>
    Rejected,

    /// <summary>Stopped before training (e.g. too few labelled images); current.json untouched.</summary>
    Stopped,

    /// <summary>An activity failed for good; current.json untouched.</summary>
    Failed,
}

/// <summary>Output of <see cref="RetrainingOrchestrator"/>.</summary>
public sealed record RetrainingOutcome(
    string RunId,
    RetrainingStatus Status,
    string Reason,
    string? PublishedVersion,
    string? CandidateVersion,
    ModelScore? Challenger,
    ModelScore? Champion);

/// <summary>Custom status the orchestrator sets while it runs (what <c>GET /api/retraining/{id}</c> shows).</summary>
public sealed record RetrainingProgress(string RunId, string Stage, int EpochsCompleted, int EpochsTotal, string? Detail);

/// <summary>Names of the stages, as shown in progress and run records.</summary>
public static class RetrainingStages
{
    public const string Snapshot = "snapshot";
    public const string Split = "split";
    public const string Train = "train";
    public const string Export = "export";
    public const string Evaluate = "evaluate";
    public const string Compare = "compare";
    public const string Publish = "publish";
    public const string Done = "done";
}

/// <summary>Where a snapshot lives: an immutable manifest blob in the retraining container.</summary>
public sealed record DatasetRef(string DatasetId, string ManifestBlob, int Images, IReadOnlyDictionary<string, int> PerClass);

public sealed record SnapshotInput(string RunId, int MinImagesPerClass);

/// <summary>The frozen dataset; <see cref="InsufficientReason"/> says why it cannot be trained on (null: it can).</summary>
public sealed record SnapshotResult(DatasetRef Dataset, string? InsufficientReason);

public sealed record SplitInput(string RunId, DatasetRef Dataset, double ValidationFraction, int Seed);

public sealed record SplitResult(
    DatasetRef Dataset, int TrainingImages, int ValidationImages, bool GroupedByPatient, IReadOnlyDictionary<string, int> ValidationPerClass);

/// <summary>Which weights the run starts from: asks for the champion's only when <paramref name="WarmStart"/> is on.</summary>
public sealed record InitialWeightsInput(string RunId, string Preset, bool WarmStart);

/// <summary>
/// The weights a run starts from, resolved once at its start so the whole run uses them. <see cref="Description"/>
/// is what the run record shows (<c>champion {version}</c> or <c>random: {why}</c>); for a warm start the
/// champion's weights are pinned in <see cref="WeightsBlob"/> (the run's own copy in the retraining container).
/// </summary>
public sealed record InitialWeightsChoice(string Description, string? ChampionVersion, string? WeightsBlob, string? Sha256)
{
    public const string RandomPrefix = "random: ";

    public static InitialWeightsChoice Random(string why) => new(RandomPrefix + why, null, null, null);

    public static InitialWeightsChoice Champion(string version, string weightsBlob, string sha256) =>
        new($"champion {version}", version, weightsBlob, sha256);
}

/// <summary>One chunk of training; <see cref="InitialWeights"/> applies only to the chunk that starts the run.</summary>
public sealed record TrainChunkInput(
    string RunId, DatasetRef Dataset, RetrainingSettings Settings, int TargetEpoch, InitialWeightsChoice? InitialWeights = null);

/// <summary>What one training chunk did: it resumed after <see cref="ResumedAfterEpoch"/> (0 = fresh start).</summary>
public sealed record TrainChunkResult(int ResumedAfterEpoch, int CompletedEpoch, int TotalEpochs, IReadOnlyList<EpochMetrics> History, double Seconds);

public sealed record ExportInput(string RunId, DatasetRef Dataset, RetrainingSettings Settings);

public sealed record ExportResult(string CandidateVersion, string OnnxSha256, ParitySummary Parity);

public sealed record EvaluateInput(string RunId, DatasetRef Dataset, string CandidateVersion);

public sealed record ChampionInput(string RunId, DatasetRef Dataset);

/// <summary>The current model scored on the challenger's validation split; <see cref="Score"/> is null when none is published.</summary>
public sealed record ChampionResult(string? Version, string? ETag, ModelScore? Score);

public sealed record PublishInput(string RunId, string CandidateVersion, string? ExpectedCurrentETag, string Reason);

public sealed record PublishResult(string Version, DateTimeOffset SwitchedUtc);

/// <summary>
/// Headline metrics of one model on one validation split. <see cref="PositiveClassAucLowerBound"/> is the lower end
/// of the AUC's 95% stratified bootstrap interval (null when it could not be computed).
/// </summary>
public sealed record ModelScore(
    string Version,
    double PositiveClassAuc,
    double SensitivityAtThreshold,
    double SpecificityAtThreshold,
    double Accuracy,
    double OperatingThreshold,
    int Samples,
    string? ReportPrefix,
    double? PositiveClassAucLowerBound,
    IReadOnlyDictionary<string, int> SamplesPerClass);
