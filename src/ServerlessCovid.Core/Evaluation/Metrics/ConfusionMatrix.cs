namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>Counts[actual][predicted], rows are true classes and columns predictions (sklearn's layout).</summary>
public sealed class ConfusionMatrix
{
    private readonly int[][] _counts;

    private ConfusionMatrix(IReadOnlyList<string> classNames, int[][] counts)
    {
        ClassNames = classNames;
        _counts = counts;
    }

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<IReadOnlyList<int>> Counts => _counts;

    public int Total => _counts.Sum(row => row.Sum());

    public int Correct => Enumerable.Range(0, _counts.Length).Sum(c => _counts[c][c]);

    /// <summary>Argmax predictions, as the paper's Fig. 7.</summary>
    public static ConfusionMatrix FromArgmax(ScoredSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        int[] predicted = new int[set.Count];
        for (int i = 0; i < set.Count; i++)
        {
            predicted[i] = set.PredictedIndex(i);
        }

        return FromPredictions(set.ClassNames, set.Labels, predicted);
    }

    public static ConfusionMatrix FromPredictions(IReadOnlyList<string> classNames, IReadOnlyList<int> actual, IReadOnlyList<int> predicted)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        if (actual.Count != predicted.Count)
        {
            throw new EvaluationInputException($"{actual.Count} labels but {predicted.Count} predictions.");
        }

        int[][] counts = new int[classNames.Count][];
        for (int c = 0; c < counts.Length; c++)
        {
            counts[c] = new int[classNames.Count];
        }

        for (int i = 0; i < actual.Count; i++)
        {
            counts[actual[i]][predicted[i]]++;
        }

        return new ConfusionMatrix([.. classNames], counts);
    }

    public int TruePositives(int classIndex) => _counts[classIndex][classIndex];

    public int FalseNegatives(int classIndex) => _counts[classIndex].Sum() - _counts[classIndex][classIndex];

    public int FalsePositives(int classIndex) => _counts.Sum(row => row[classIndex]) - _counts[classIndex][classIndex];

    public int TrueNegatives(int classIndex) =>
        Total - TruePositives(classIndex) - FalseNegatives(classIndex) - FalsePositives(classIndex);

    public int Support(int classIndex) => _counts[classIndex].Sum();
}
