using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Retraining;

/// <summary>Which validation metric decides whether a challenger replaces the champion.</summary>
public enum PrimaryMetric
{
    /// <summary>ROC AUC of the positive (COVID) class; ties broken by sensitivity at the operating threshold.</summary>
    PositiveClassAuc,

    /// <summary>Sensitivity of the positive class at each model's own operating threshold; ties broken by AUC.</summary>
    SensitivityAtThreshold,

    /// <summary>Validation accuracy; ties broken by AUC.</summary>
    Accuracy,
}

/// <summary>
/// Settings section <c>Retraining</c>. The orchestrator never reads these itself (that would not be replay-safe if
/// settings changed mid-run): the starter copies them into <see cref="Orchestration.RetrainingSettings"/>, so every
/// run records the settings it ran with.
/// </summary>
public sealed class RetrainingOptions
{
    public const string SectionName = "Retraining";

    /// <summary>NCRONTAB (six fields, seconds first) of the timer trigger; default Sundays 03:00 UTC.</summary>
    [Required, RegularExpression(@"^\S+( \S+){5}$", ErrorMessage = "Retraining:Schedule must be a six-field NCRONTAB expression.")]
    public string Schedule { get; set; } = "0 0 3 * * 0";

    /// <summary>A run stops, recording why, when any class has fewer labelled images than this.</summary>
    [Range(2, 1_000_000)]
    public int MinImagesPerClass { get; set; } = 20;

    /// <summary>Training preset understood by the trainer: <c>paper</c>, <c>learn</c> or <c>tiny</c>.</summary>
    [Required, RegularExpression("^(paper|learn|tiny)$")]
    public string Preset { get; set; } = "learn";

    /// <summary>Total epochs; null means the preset's own number (10 for the paper).</summary>
    [Range(1, 1000)]
    public int? Epochs { get; set; }

    /// <summary>Epochs per training activity: a crash or plan time limit costs at most this much work.</summary>
    [Range(1, 1000)]
    public int EpochsPerChunk { get; set; } = 2;

    [Range(0.05, 0.95)]
    public double ValidationFraction { get; set; } = 0.3;

    public int Seed { get; set; } = 42;

    public PrimaryMetric PrimaryMetric { get; set; } = PrimaryMetric.PositiveClassAuc;

    /// <summary>How much the challenger must beat the champion's primary metric by (absolute, e.g. 0.01 AUC).</summary>
    [Range(0.0, 1.0)]
    public double MinimumImprovement { get; set; } = 0.01;

    /// <summary>
    /// Publish floor: a challenger (or first model) needs at least this many validation images of every class. Below
    /// 20 a single image moves sensitivity or specificity by more than 5 points and the 95% intervals span about
    /// ±0.2, so the comparison measures noise. A split that falls short is rejected before training starts.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MinValidationImagesPerClass { get; set; } = 20;

    /// <summary>
    /// Publish floor: the least sensitivity a challenger may have at its own operating threshold. With
    /// <see cref="MinSpecificity"/>, 0.5 rules out degenerate operating points: a model that separates nothing buys
    /// any sensitivity with the same loss of specificity (a threshold near 0 gives 1 and 0), so it cannot reach 0.5
    /// on both sides except at chance, which the AUC floor rules out. It claims no clinical usefulness: the threshold
    /// selector aims at sensitivity 0.95, so a model that learned clears it with room.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinSensitivity { get; set; } = 0.5;

    /// <summary>Publish floor: the least specificity at the challenger's own threshold (0.5: see <see cref="MinSensitivity"/>).</summary>
    [Range(0.0, 1.0)]
    public double MinSpecificity { get; set; } = 0.5;

    /// <summary>
    /// Start training from the champion's weights when its package carries them and its architecture is the preset's,
    /// instead of from random weights; the run record says which it did and why.
    /// </summary>
    public bool WarmStart { get; set; } = true;

    /// <summary>Attempts per activity (1 = no retry) for transient failures.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First retry delay; doubled each attempt, capped at 10 minutes.</summary>
    [Range(0.1, 3600)]
    public double FirstRetrySeconds { get; set; } = 30;

    /// <summary>Local scratch folder for materialised datasets, checkpoints and reports; temp folder when empty.</summary>
    public string? WorkDirectory { get; set; }

    public string ResolveWorkDirectory() =>
        string.IsNullOrWhiteSpace(WorkDirectory)
            ? Path.Combine(Path.GetTempPath(), "serverlesscovid-retraining")
            : WorkDirectory;
}
