namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>
/// A ROC curve as sklearn's <c>roc_curve(drop_intermediate=False)</c> returns it: one point per distinct score
/// (samples with equal scores enter together, which draws a diagonal segment and counts ties as half), starting at
/// (0, 0) with threshold +∞. A sample is positive when its score is at or above the threshold.
/// When the set lacks positives or negatives the curve is empty, <see cref="Auc"/> is null and
/// <see cref="UnavailableReason"/> says why.
/// </summary>
public sealed record RocCurve(
    string Name,
    IReadOnlyList<double> FalsePositiveRates,
    IReadOnlyList<double> TruePositiveRates,
    IReadOnlyList<double> Thresholds,
    double? Auc,
    int Positives,
    int Negatives,
    string? UnavailableReason)
{
    public static RocCurve Compute(string name, IReadOnlyList<double> scores, IReadOnlyList<bool> isPositive)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(isPositive);
        if (scores.Count != isPositive.Count)
        {
            throw new EvaluationInputException($"{scores.Count} scores but {isPositive.Count} labels.");
        }

        if (scores.Any(s => !double.IsFinite(s)))
        {
            throw new EvaluationInputException($"ROC '{name}': every score must be a finite number.");
        }

        int positives = isPositive.Count(p => p);
        int negatives = isPositive.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            string missing = positives == 0 ? "positive" : "negative";
            return new RocCurve(name, [], [], [], null, positives, negatives,
                $"ROC/AUC undefined for '{name}': the set has no {missing} samples (one-vs-rest needs both).");
        }

        int[] order = Enumerable.Range(0, scores.Count).ToArray();

        // Descending by score; equal scores are grouped below, so their relative order never matters.
        Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]));
        List<double> fpr = [0];
        List<double> tpr = [0];
        List<double> thresholds = [double.PositiveInfinity];
        int tp = 0;
        int fp = 0;
        for (int k = 0; k < order.Length; k++)
        {
            if (isPositive[order[k]])
            {
                tp++;
            }
            else
            {
                fp++;
            }

            bool lastOfGroup = k == order.Length - 1 || scores[order[k + 1]] != scores[order[k]];
            if (lastOfGroup)
            {
                fpr.Add((double)fp / negatives);
                tpr.Add((double)tp / positives);
                thresholds.Add(scores[order[k]]);
            }
        }

        return new RocCurve(name, fpr, tpr, thresholds, Trapezoid(fpr, tpr), positives, negatives, null);
    }

    /// <summary>Area under a piecewise-linear curve, x non-decreasing (sklearn's <c>auc</c>).</summary>
    public static double Trapezoid(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        double area = 0;
        for (int i = 1; i < x.Count; i++)
        {
            area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        }

        return area;
    }

    /// <summary>
    /// Linear interpolation of the TPR at <paramref name="fpr"/>, as numpy's <c>interp</c>: on a vertical segment
    /// (several points with the same FPR) it returns the last, highest TPR.
    /// </summary>
    public double InterpolateTpr(double fpr)
    {
        int n = FalsePositiveRates.Count;
        if (n == 0)
        {
            return double.NaN;
        }

        if (fpr < FalsePositiveRates[0])
        {
            return TruePositiveRates[0];
        }

        int j = 0;
        while (j + 1 < n && FalsePositiveRates[j + 1] <= fpr)
        {
            j++;
        }

        if (FalsePositiveRates[j] == fpr || j == n - 1)
        {
            return TruePositiveRates[j];
        }

        double slope = (TruePositiveRates[j + 1] - TruePositiveRates[j]) / (FalsePositiveRates[j + 1] - FalsePositiveRates[j]);
        return TruePositiveRates[j] + (slope * (fpr - FalsePositiveRates[j]));
    }
}
