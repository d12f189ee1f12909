namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>
/// The positive class's decision at a probability threshold (positive when p ≥ threshold), as the classifier serves
/// it: sensitivity and specificity with Wilson intervals, and the four counts behind them.
/// </summary>
public sealed record OperatingPoint(
    string PositiveClass,
    double Threshold,
    string ThresholdMethod,
    Proportion Sensitivity,
    Proportion Specificity,
    int TruePositives,
    int FalsePositives,
    int TrueNegatives,
    int FalseNegatives)
{
    public static OperatingPoint Compute(ScoredSet set, string positiveClass, double threshold, string thresholdMethod)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (!double.IsFinite(threshold) || threshold is < 0 or > 1)
        {
            throw new EvaluationInputException($"Operating threshold {threshold} is not a probability in [0, 1].");
        }

        int positive = set.IndexOfClass(positiveClass);
        int tp = 0;
        int fp = 0;
        int tn = 0;
        int fn = 0;
        for (int i = 0; i < set.Count; i++)
        {
            bool predicted = set.Probability(i, positive) >= threshold;
            bool actual = set.Labels[i] == positive;
            (tp, fp, tn, fn) = (predicted, actual) switch
            {
                (true, true) => (tp + 1, fp, tn, fn),
                (true, false) => (tp, fp + 1, tn, fn),
                (false, false) => (tp, fp, tn + 1, fn),
                (false, true) => (tp, fp, tn, fn + 1),
            };
        }

        return new OperatingPoint(positiveClass, threshold, thresholdMethod,
            Proportion.Of(tp, tp + fn), Proportion.Of(tn, tn + fp), tp, fp, tn, fn);
    }
}
