namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>A two-sided confidence interval at <see cref="Level"/> (0.95 throughout the reports).</summary>
public sealed record ConfidenceInterval(double Lower, double Upper, double Level, string Method);

/// <summary>A proportion k/n with its Wilson score interval (null when n = 0, where the proportion is undefined).</summary>
public sealed record Proportion(int Successes, int Trials, double Value, ConfidenceInterval? Interval)
{
    public static Proportion Of(int successes, int trials) =>
        new(successes, trials, trials == 0 ? 0 : (double)successes / trials, WilsonInterval.Compute(successes, trials));
}

/// <summary>
/// Wilson score interval for a binomial proportion. Preferred over the normal (Wald) interval because it stays inside
/// [0, 1] and keeps its coverage at the small counts and extreme proportions of a 72-image validation set.
/// </summary>
public static class WilsonInterval
{
    /// <summary>Two-sided 95% standard-normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    public const string MethodName = "wilson";

    public static ConfidenceInterval? Compute(int successes, int trials, double z = Z95, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (trials == 0)
        {
            return null;
        }

        double n = trials;
        double p = successes / n;
        double z2 = z * z;
        double denominator = 1 + (z2 / n);
        double centre = (p + (z2 / (2 * n))) / denominator;
        double half = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return new ConfidenceInterval(Math.Max(0, centre - half), Math.Min(1, centre + half), level, MethodName);
    }
}
