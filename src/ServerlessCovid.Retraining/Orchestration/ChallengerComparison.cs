using System.Globalization;

namespace ServerlessCovid.Retraining.Orchestration;

/// <summary>The publish decision: pure and deterministic, so the orchestrator can make it itself.</summary>
public sealed record ChallengerDecision(bool Publish, string Reason);

public static class ChallengerComparison
{
    /// <summary>
    /// First the <see cref="PublishFloor"/>, which every model must pass, the first one included. Then publishes when
    /// there is no champion, or when the challenger beats the champion's primary metric by at least
    /// <see cref="RetrainingSettings.MinimumImprovement"/>; when the primary metric is within the margin either way,
    /// the secondary metric must be strictly better and the primary must not be worse, so noise alone never replaces
    /// a model.
    /// </summary>
    public static ChallengerDecision Decide(ModelScore challenger, ModelScore? champion, RetrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<string> belowFloor = PublishFloor.Check(challenger, settings);
        if (belowFloor.Count > 0)
        {
            return new ChallengerDecision(
                false,
                $"Challenger {challenger.Version} is below the publish floor: {string.Join("; ", belowFloor)}.");
        }

        string waived = settings.PublishFloorWaiver is { } waiver ? $"Publish floor waived ({waiver}). " : string.Empty;
        if (champion is null)
        {
            return new ChallengerDecision(true, waived + "No champion is published yet; the first valid model becomes current.");
        }

        PrimaryMetric metric = settings.PrimaryMetric;
        double minimumImprovement = settings.MinimumImprovement;
        (string primaryName, double challengerPrimary, double championPrimary) = Primary(metric, challenger, champion);
        (string secondaryName, double challengerSecondary, double championSecondary) = Secondary(metric, challenger, champion);
        double gain = challengerPrimary - championPrimary;
        string summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{primaryName}: challenger {challengerPrimary:F4} vs champion {championPrimary:F4} (margin {minimumImprovement:F4}); "
            + $"{secondaryName}: challenger {challengerSecondary:F4} vs champion {championSecondary:F4} on the same {challenger.Samples} validation images.");

        if (gain >= minimumImprovement)
        {
            return new ChallengerDecision(true, waived + "Challenger is better. " + summary);
        }

        if (gain >= 0 && gain < minimumImprovement && challengerSecondary > championSecondary + minimumImprovement)
        {
            return new ChallengerDecision(true, waived + $"Challenger ties on {primaryName} and is better on {secondaryName}. " + summary);
        }

        return new ChallengerDecision(false, "Challenger is not better than the champion by the required margin. " + summary);
    }

    private static (string, double, double) Primary(PrimaryMetric metric, ModelScore a, ModelScore b) => metric switch
    {
        PrimaryMetric.SensitivityAtThreshold => ("sensitivity at threshold", a.SensitivityAtThreshold, b.SensitivityAtThreshold),
        PrimaryMetric.Accuracy => ("accuracy", a.Accuracy, b.Accuracy),
        _ => ("positive-class AUC", a.PositiveClassAuc, b.PositiveClassAuc),
    };

    private static (string, double, double) Secondary(PrimaryMetric metric, ModelScore a, ModelScore b) => metric switch
    {
        PrimaryMetric.PositiveClassAuc => ("sensitivity at threshold", a.SensitivityAtThreshold, b.SensitivityAtThreshold),
        _ => ("positive-class AUC", a.PositiveClassAuc, b.PositiveClassAuc),
    };
}
