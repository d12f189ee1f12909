using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Tests.Evaluation;

public class RocCurveTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Compute_TiedScores_GroupsTiesIntoOneDiagonalStep()
    {
        // Arrange: descending 0.9P 0.8P 0.7N {0.6 P P N} 0.3N 0.1N with 4 positives and 4 negatives.
        (double[] scores, bool[] positive) = EvaluationSamples.BinaryWithTies().OneVsRest(0);

        // Act
        RocCurve roc = RocCurve.Compute("covid", scores, positive);

        // Assert
        AssertSequence([0, 0, 0, 0.25, 0.5, 0.75, 1], roc.FalsePositiveRates);
        AssertSequence([0, 0.25, 0.5, 0.5, 1, 1, 1], roc.TruePositiveRates);
        Assert.Equal(double.PositiveInfinity, roc.Thresholds[0]);
        AssertSequence([0.9, 0.8, 0.7, 0.6, 0.3, 0.1], roc.Thresholds.Skip(1).ToList());
    }

    [Fact]
    public void Compute_TiedScores_AucCountsTiesAsHalf()
    {
        // Arrange: Mann-Whitney by hand: 4 + 4 + 2 × (2 wins + ½ tie) = 13 of 16 pairs.
        (double[] scores, bool[] positive) = EvaluationSamples.BinaryWithTies().OneVsRest(0);

        // Act
        RocCurve roc = RocCurve.Compute("covid", scores, positive);

        // Assert
        Assert.NotNull(roc.Auc);
        Assert.Equal(13.0 / 16, roc.Auc.Value, Tolerance);
        Assert.Null(roc.UnavailableReason);
    }

    [Fact]
    public void Compute_NoNegatives_AucIsNullWithReason()
    {
        // Arrange
        double[] scores = [0.2, 0.9];
        bool[] positive = [true, true];

        // Act
        RocCurve roc = RocCurve.Compute("covid", scores, positive);

        // Assert
        Assert.Null(roc.Auc);
        Assert.Contains("no negative samples", roc.UnavailableReason, StringComparison.Ordinal);
        Assert.Empty(roc.FalsePositiveRates);
    }

    [Fact]
    public void Compute_NonFiniteScore_ThrowsEvaluationInputException()
    {
        // Arrange
        double[] scores = [double.NaN, 0.5];
        bool[] positive = [true, false];

        // Act + Assert
        Assert.Throws<EvaluationInputException>(() => RocCurve.Compute("covid", scores, positive));
    }

    [Fact]
    public void InterpolateTpr_OnVerticalSegment_ReturnsTopAsNumpyInterp()
    {
        // Arrange: points (0,0) (0,0.5) (0.5,0.5) (0.5,1) (1,1)
        RocCurve roc = new("x", [0, 0, 0.5, 0.5, 1], [0, 0.5, 0.5, 1, 1], [], 0.75, 2, 2, null);

        // Act + Assert
        Assert.Equal(0.5, roc.InterpolateTpr(0), Tolerance);
        Assert.Equal(0.5, roc.InterpolateTpr(0.25), Tolerance);
        Assert.Equal(1, roc.InterpolateTpr(0.5), Tolerance);
        Assert.Equal(1, roc.InterpolateTpr(0.75), Tolerance);
    }

    [Fact]
    public void Trapezoid_UnitSquareDiagonal_IsHalf()
    {
        // Arrange
        double[] x = [0, 0.5, 1];
        double[] y = [0, 0.5, 1];

        // Act
        double area = RocCurve.Trapezoid(x, y);

        // Assert
        Assert.Equal(0.5, area, Tolerance);
    }

    internal static void AssertSequence(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i], Tolerance);
        }
    }
}
