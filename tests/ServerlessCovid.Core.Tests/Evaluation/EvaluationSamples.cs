using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Evaluation;

/// <summary>Small scored sets whose metrics were worked out by hand (see each test for the arithmetic).</summary>
internal static class EvaluationSamples
{
    /// <summary>
    /// Binary, COVID positive: positives score 0.9, 0.8, 0.6, 0.6; negatives 0.7, 0.6, 0.3, 0.1 (a three-way tie at 0.6).
    /// </summary>
    public static ScoredSet BinaryWithTies()
    {
        (string Label, double Covid)[] rows =
        [
            (ClassNames.Covid, 0.9), (ClassNames.Covid, 0.8), (ClassNames.Covid, 0.6), (ClassNames.Covid, 0.6),
            (ClassNames.Normal, 0.7), (ClassNames.Normal, 0.6), (ClassNames.Normal, 0.3), (ClassNames.Normal, 0.1),
        ];
        return ScoredSet.FromLabelNames(
            ClassNames.InOutputOrder,
            [.. rows.Select(r => r.Label)],
            [.. rows.Select(r => (IReadOnlyList<double>)[r.Covid, 1 - r.Covid])]);
    }

    /// <summary>Three classes a, b, c; argmax gets s0 and s2 right, calls s1 (b) "a" and s3 (a) "c".</summary>
    public static ScoredSet ThreeClasses() => new(
        ["a", "b", "c"],
        [0, 1, 2, 0],
        [
            [0.6, 0.3, 0.1],
            [0.5, 0.4, 0.1],
            [0.2, 0.3, 0.5],
            [0.3, 0.2, 0.5],
        ]);

    /// <summary>Only COVID images: every normal-vs-rest curve lacks positives, every covid-vs-rest curve negatives.</summary>
    public static ScoredSet SingleClass() => ScoredSet.FromLabelNames(
        ClassNames.InOutputOrder,
        [ClassNames.Covid, ClassNames.Covid, ClassNames.Covid],
        [[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]]);

    public static IReadOnlyList<EpochMetrics> History() =>
    [
        new(1, 0.69, 0.55, 0.25, 0.68, 0.58, 0.24, 3.1),
        new(2, 0.52, 0.74, 0.17, 0.55, 0.70, 0.18, 3.0),
        new(3, 0.35, 0.86, 0.11, 0.41, 0.83, 0.13, 3.2),
        new(4, 0.22, 0.93, 0.06, 0.33, 0.88, 0.09, 3.0),
    ];
}
