namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>Percentile intervals for every AUC of a <see cref="RocAnalysis"/>; null where an AUC is undefined.</summary>
public sealed record AucIntervals(
    IReadOnlyList<ConfidenceInterval?> Classes,
    ConfidenceInterval? MicroAverage,
    ConfidenceInterval? MacroAverage,
    int Replicates,
    int Seed);

/// <summary>
/// Seeded, stratified percentile bootstrap for AUC: each replicate redraws, with replacement, the same number of
/// samples from every true class, so each replicate keeps the class counts (and every one-vs-rest curve stays
/// defined). Chosen over DeLong because one procedure covers per-class, micro and macro AUCs alike. Quantiles
/// interpolate linearly (numpy's default). Deterministic for a given seed.
/// </summary>
public static class AucBootstrap
{
    public const int DefaultReplicates = 1000;

    public const int DefaultSeed = 20200401;

    public const string MethodName = "stratified percentile bootstrap";

    public static AucIntervals Compute(
        ScoredSet set, int replicates = DefaultReplicates, int seed = DefaultSeed, double level = 0.95, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicates, 2);
        if (level is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The confidence level must be in (0, 1).");
        }

        RocAnalysis original = RocAnalysis.Compute(set);
        int[][] strata = Enumerable.Range(0, set.ClassCount)
            .Select(c => Enumerable.Range(0, set.Count).Where(i => set.Labels[i] == c).ToArray())
            .Where(stratum => stratum.Length > 0)
            .ToArray();
        List<double>[] classAucs = Enumerable.Range(0, set.ClassCount).Select(_ => new List<double>(replicates)).ToArray();
        List<double> micro = new(replicates);
        List<double> macro = new(replicates);
        Random random = new(seed);
        int[] indices = new int[set.Count];
        for (int r = 0; r < replicates; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int k = 0;
            foreach (int[] stratum in strata)
            {
                for (int j = 0; j < stratum.Length; j++)
                {
                    indices[k++] = stratum[random.Next(stratum.Length)];
                }
            }

            RocAnalysis replicate = RocAnalysis.Compute(set.Resample(indices));
            for (int c = 0; c < set.ClassCount; c++)
            {
                AddIfDefined(classAucs[c], replicate.Classes[c].Auc);
            }

            AddIfDefined(micro, replicate.MicroAverage.Auc);
            AddIfDefined(macro, replicate.MacroAverage.Auc);
        }

        return new AucIntervals(
            classAucs.Select((values, c) => original.Classes[c].Auc is null ? null : Percentile(values, level)).ToArray(),
            original.MicroAverage.Auc is null ? null : Percentile(micro, level),
            original.MacroAverage.Auc is null ? null : Percentile(macro, level),
            replicates,
            seed);
    }

    /// <summary>numpy's default (linear, "type 7") quantile of <paramref name="sorted"/>.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        double h = (sorted.Count - 1) * q;
        int lower = (int)Math.Floor(h);
        int upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + ((h - lower) * (sorted[upper] - sorted[lower]));
    }

    private static ConfidenceInterval? Percentile(List<double> values, double level)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        double alpha = (1 - level) / 2;
        return new ConfidenceInterval(Quantile(values, alpha), Quantile(values, 1 - alpha), level, MethodName);
    }

    private static void AddIfDefined(List<double> values, double? value)
    {
        if (value is double v)
        {
            values.Add(v);
        }
    }
}
