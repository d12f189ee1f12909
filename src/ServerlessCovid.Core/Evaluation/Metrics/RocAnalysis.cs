namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>Per-class one-vs-rest ROC curves plus the two averages of sklearn's multi-class ROC example (Fig. 9).</summary>
public sealed record RocAnalysis(
    IReadOnlyList<RocCurve> Classes,
    RocCurve MicroAverage,
    RocCurve MacroAverage,
    double? MeanPerClassAuc)
{
    public const string MicroName = "micro-average";

    public const string MacroName = "macro-average";

    public static RocAnalysis Compute(ScoredSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        List<RocCurve> classes = [];
        for (int c = 0; c < set.ClassCount; c++)
        {
            (double[] scores, bool[] positive) = set.OneVsRest(c);
            classes.Add(RocCurve.Compute(set.ClassNames[c], scores, positive));
        }

        bool allDefined = classes.All(curve => curve.Auc is not null);
        return new RocAnalysis(
            classes,
            ComputeMicroAverage(set),
            ComputeMacroAverage(classes),
            allDefined ? classes.Average(curve => curve.Auc!.Value) : null);
    }

    /// <summary>Every (sample, class) pair as one binary decision: the one-hot labels and probabilities raveled.</summary>
    public static RocCurve ComputeMicroAverage(ScoredSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        double[] scores = new double[set.Count * set.ClassCount];
        bool[] positive = new bool[scores.Length];
        for (int i = 0; i < set.Count; i++)
        {
            for (int c = 0; c < set.ClassCount; c++)
            {
                scores[(i * set.ClassCount) + c] = set.Probability(i, c);
                positive[(i * set.ClassCount) + c] = set.Labels[i] == c;
            }
        }

        return RocCurve.Compute(MicroName, scores, positive);
    }

    /// <summary>
    /// The per-class TPRs interpolated on the union of their FPRs and averaged; its area is the trapezoid under that
    /// mean curve (which can differ from the mean of the per-class AUCs, reported as <see cref="MeanPerClassAuc"/>).
    /// Undefined when any class's curve is.
    /// </summary>
    public static RocCurve ComputeMacroAverage(IReadOnlyList<RocCurve> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        RocCurve? undefined = classes.FirstOrDefault(curve => curve.Auc is null);
        if (undefined is not null)
        {
            return new RocCurve(MacroName, [], [], [], null, 0, 0,
                $"Macro-average ROC undefined: {undefined.UnavailableReason}");
        }

        double[] grid = classes.SelectMany(curve => curve.FalsePositiveRates).Distinct().Order().ToArray();
        double[] meanTpr = grid.Select(fpr => classes.Average(curve => curve.InterpolateTpr(fpr))).ToArray();
        // An average of curves has no score thresholds of its own.
        return new RocCurve(MacroName, grid, meanTpr, [], RocCurve.Trapezoid(grid, meanTpr),
            classes.Sum(curve => curve.Positives), classes.Sum(curve => curve.Negatives), null);
    }
}
