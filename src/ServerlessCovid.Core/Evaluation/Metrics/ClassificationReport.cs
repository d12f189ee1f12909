namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>One row of the classification report, one-vs-rest for its class.</summary>
public sealed record ClassMetrics(
    string ClassName,
    Proportion Precision,
    Proportion Recall,
    double F1,
    int Support,
    Proportion Specificity);

/// <summary>A "macro avg" or "weighted avg" row.</summary>
public sealed record AveragedMetrics(double Precision, double Recall, double F1, int Support);

/// <summary>
/// sklearn's <c>classification_report</c> plus specificity and Wilson intervals. Undefined ratios (no predictions of a
/// class, so no precision) count as 0, as sklearn's <c>zero_division=0</c>; their interval is null.
/// </summary>
public sealed record ClassificationReport(
    IReadOnlyList<ClassMetrics> Classes,
    Proportion Accuracy,
    AveragedMetrics MacroAverage,
    AveragedMetrics WeightedAverage)
{
    public static ClassificationReport FromConfusionMatrix(ConfusionMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        List<ClassMetrics> classes = [];
        for (int c = 0; c < matrix.ClassNames.Count; c++)
        {
            int tp = matrix.TruePositives(c);
            int fp = matrix.FalsePositives(c);
            int fn = matrix.FalseNegatives(c);
            int tn = matrix.TrueNegatives(c);
            Proportion precision = Proportion.Of(tp, tp + fp);
            Proportion recall = Proportion.Of(tp, tp + fn);
            classes.Add(new ClassMetrics(
                matrix.ClassNames[c], precision, recall, F1(precision.Value, recall.Value), tp + fn, Proportion.Of(tn, tn + fp)));
        }

        int total = matrix.Total;
        AveragedMetrics macro = new(
            classes.Average(m => m.Precision.Value),
            classes.Average(m => m.Recall.Value),
            classes.Average(m => m.F1),
            total);
        AveragedMetrics weighted = total == 0
            ? new AveragedMetrics(0, 0, 0, 0)
            : new AveragedMetrics(
                classes.Sum(m => m.Precision.Value * m.Support) / total,
                classes.Sum(m => m.Recall.Value * m.Support) / total,
                classes.Sum(m => m.F1 * m.Support) / total,
                total);
        return new ClassificationReport(classes, Proportion.Of(matrix.Correct, total), macro, weighted);
    }

    public static double F1(double precision, double recall) =>
        precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
}
