using System.Globalization;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Evaluation;

public enum ThresholdCriterion
{
    /// <summary>The smallest false-positive rate whose sensitivity reaches the target (triage: do not miss cases).</summary>
    TargetSensitivity,

    /// <summary>Maximum of Youden's J = sensitivity + specificity − 1.</summary>
    YoudenJ,
}

public sealed record ThresholdSelectionOptions
{
    public ThresholdCriterion Criterion { get; init; } = ThresholdCriterion.TargetSensitivity;

    public double TargetSensitivity { get; init; } = 0.95;

    public string PositiveClass { get; init; } = ClassNames.Positive;
}

/// <summary>
/// A chosen threshold: <see cref="Threshold"/> and <see cref="Method"/> go into
/// <see cref="ModelManifest.OperatingThreshold"/> and <see cref="ModelManifest.ThresholdMethod"/>.
/// </summary>
public sealed record OperatingThresholdSelection(double Threshold, string Method, OperatingPoint OperatingPoint);

/// <summary>
/// Chooses the operating threshold on a validation set. Candidates are the ROC thresholds of the positive class
/// (the validation scores themselves; the +∞ start point is never chosen), so the threshold reproduces exactly the
/// sensitivity and specificity reported at it. Ties go to the higher threshold among equally good points, except that
/// at equal false-positive rate the higher sensitivity wins.
/// </summary>
public static class OperatingThresholdSelector
{
    public static OperatingThresholdSelection Select(ScoredSet validation, ThresholdSelectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(validation);
        options ??= new ThresholdSelectionOptions();
        if (options.TargetSensitivity is <= 0 or > 1 || double.IsNaN(options.TargetSensitivity))
        {
            throw new EvaluationInputException(
                $"Target sensitivity {options.TargetSensitivity} must be in (0, 1].");
        }

        int positive = validation.IndexOfClass(options.PositiveClass);
        (double[] scores, bool[] isPositive) = validation.OneVsRest(positive);
        RocCurve roc = RocCurve.Compute(options.PositiveClass, scores, isPositive);
        if (roc.Auc is null)
        {
            throw new EvaluationInputException($"Cannot choose an operating threshold: {roc.UnavailableReason}");
        }

        int best = -1;
        string method;
        if (options.Criterion == ThresholdCriterion.TargetSensitivity)
        {
            for (int k = 1; k < roc.Thresholds.Count; k++)
            {
                bool reaches = roc.TruePositiveRates[k] >= options.TargetSensitivity;
                if (reaches && (best < 0 || roc.FalsePositiveRates[k] < roc.FalsePositiveRates[best]
                    || (roc.FalsePositiveRates[k] == roc.FalsePositiveRates[best] && roc.TruePositiveRates[k] > roc.TruePositiveRates[best])))
                {
                    best = k;
                }
            }

            method = string.Create(CultureInfo.InvariantCulture, $"sensitivity>={options.TargetSensitivity:0.###} on validation");
        }
        else
        {
            for (int k = 1; k < roc.Thresholds.Count; k++)
            {
                if (best < 0 || J(roc, k) > J(roc, best))
                {
                    best = k;
                }
            }

            method = "youden on validation";
        }

        double threshold = roc.Thresholds[best];
        return new OperatingThresholdSelection(
            threshold, method, OperatingPoint.Compute(validation, options.PositiveClass, threshold, method));
    }

    private static double J(RocCurve roc, int k) => roc.TruePositiveRates[k] - roc.FalsePositiveRates[k];
}
