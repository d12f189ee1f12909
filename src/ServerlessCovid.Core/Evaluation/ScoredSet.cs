namespace ServerlessCovid.Core.Evaluation;

/// <summary>
/// A labelled set scored by a model: the true class index of each sample and its per-class probability vector, in
/// the model's output order. Every metric is a pure function of this; it is validated once here.
/// </summary>
public sealed class ScoredSet
{
    private readonly int[] _labels;
    private readonly double[][] _probabilities;

    public ScoredSet(IReadOnlyList<string> classNames, IReadOnlyList<int> labels, IReadOnlyList<IReadOnlyList<double>> probabilities)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (classNames.Count < 2 || classNames.Distinct(StringComparer.Ordinal).Count() != classNames.Count)
        {
            throw new EvaluationInputException("An evaluation needs at least two distinct class names.");
        }

        if (labels.Count == 0)
        {
            throw new EvaluationInputException("The scored set is empty: there is nothing to evaluate.");
        }

        if (labels.Count != probabilities.Count)
        {
            throw new EvaluationInputException(
                $"{labels.Count} labels but {probabilities.Count} probability vectors: every sample needs exactly one of each.");
        }

        ClassNames = [.. classNames];
        _labels = new int[labels.Count];
        _probabilities = new double[labels.Count][];
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= classNames.Count)
            {
                throw new EvaluationInputException($"Sample {i}: label index {labels[i]} is not one of the {classNames.Count} classes.");
            }

            IReadOnlyList<double> row = probabilities[i]
                ?? throw new EvaluationInputException($"Sample {i} has no probability vector.");
            if (row.Count != classNames.Count)
            {
                throw new EvaluationInputException(
                    $"Sample {i} has {row.Count} probabilities but there are {classNames.Count} classes.");
            }

            foreach (double p in row)
            {
                if (!double.IsFinite(p) || p < 0 || p > 1)
                {
                    throw new EvaluationInputException($"Sample {i}: probability {p} is not in [0, 1].");
                }
            }

            _labels[i] = labels[i];
            _probabilities[i] = [.. row];
        }
    }

    public IReadOnlyList<string> ClassNames { get; }

    public int Count => _labels.Length;

    public int ClassCount => ClassNames.Count;

    public IReadOnlyList<int> Labels => _labels;

    public IReadOnlyList<IReadOnlyList<double>> Probabilities => _probabilities;

    /// <summary>Builds a set from class-name labels (e.g. folder names); unknown names are an input error.</summary>
    public static ScoredSet FromLabelNames(
        IReadOnlyList<string> classNames, IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<double>> probabilities)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(labels);
        int[] indices = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            indices[i] = IndexOfClass(classNames, labels[i]);
        }

        return new ScoredSet(classNames, indices, probabilities);
    }

    public int IndexOfClass(string className) => IndexOfClass(ClassNames, className);

    public double Probability(int sample, int classIndex) => _probabilities[sample][classIndex];

    /// <summary>The predicted class: the first index of the largest probability, as numpy's <c>argmax</c>.</summary>
    public int PredictedIndex(int sample)
    {
        double[] row = _probabilities[sample];
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
            {
                best = c;
            }
        }

        return best;
    }

    /// <summary>One-vs-rest view of a class: its probability per sample and whether the sample belongs to it.</summary>
    public (double[] Scores, bool[] IsPositive) OneVsRest(int classIndex)
    {
        double[] scores = new double[Count];
        bool[] positive = new bool[Count];
        for (int i = 0; i < Count; i++)
        {
            scores[i] = _probabilities[i][classIndex];
            positive[i] = _labels[i] == classIndex;
        }

        return (scores, positive);
    }

    /// <summary>The same samples re-drawn by index (bootstrap replicates).</summary>
    internal ScoredSet Resample(IReadOnlyList<int> indices)
    {
        int[] labels = new int[indices.Count];
        double[][] probabilities = new double[indices.Count][];
        for (int i = 0; i < indices.Count; i++)
        {
            labels[i] = _labels[indices[i]];
            probabilities[i] = _probabilities[indices[i]];
        }

        return new ScoredSet(ClassNames, labels, probabilities);
    }

    private static int IndexOfClass(IReadOnlyList<string> classNames, string className)
    {
        for (int c = 0; c < classNames.Count; c++)
        {
            if (string.Equals(classNames[c], className, StringComparison.Ordinal))
            {
                return c;
            }
        }

        throw new EvaluationInputException(
            $"Class '{className}' is not one of the model's classes ({string.Join(", ", classNames)}).");
    }
}
