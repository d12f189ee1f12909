namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>The losses Keras reports per epoch, computed the same way so report and training history agree.</summary>
public static class ProbabilisticLosses
{
    /// <summary>Keras' <c>backend.epsilon()</c>.</summary>
    public const double KerasEpsilon = 1e-7;

    /// <summary>
    /// Mean categorical cross-entropy as Keras computes it from probabilities: each row renormalised to sum to 1, then
    /// clipped to [ε, 1 − ε] so a confident mistake costs −log ε ≈ 16.1 instead of infinity.
    /// </summary>
    public static double CategoricalCrossEntropy(ScoredSet set, double epsilon = KerasEpsilon)
    {
        ArgumentNullException.ThrowIfNull(set);
        double total = 0;
        for (int i = 0; i < set.Count; i++)
        {
            IReadOnlyList<double> row = set.Probabilities[i];
            double sum = row.Sum();
            double p = sum > 0 ? row[set.Labels[i]] / sum : 0;
            total += -Math.Log(Math.Clamp(p, epsilon, 1 - epsilon));
        }

        return total / set.Count;
    }

    /// <summary>Keras' <c>mse</c> metric on one-hot labels vs probabilities: mean over classes, then over samples.</summary>
    public static double MeanSquaredError(ScoredSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        double total = 0;
        for (int i = 0; i < set.Count; i++)
        {
            IReadOnlyList<double> row = set.Probabilities[i];
            double squared = 0;
            for (int c = 0; c < row.Count; c++)
            {
                double diff = (c == set.Labels[i] ? 1.0 : 0.0) - row[c];
                squared += diff * diff;
            }

            total += squared / row.Count;
        }

        return total / set.Count;
    }
}
