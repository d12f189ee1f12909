using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Tests.Evaluation;

public class ThresholdAndBootstrapTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Select_TargetSensitivity95_PicksSmallestFprReachingIt()
    {
        // Arrange: only the 0.6 step reaches TPR 1 (≥ 0.95), at FPR 1/2.
        ScoredSet set = EvaluationSamples.BinaryWithTies();

        // Act
        OperatingThresholdSelection selection = OperatingThresholdSelector.Select(set);

        // Assert
        Assert.Equal(0.6, selection.Threshold, Tolerance);
        Assert.Equal("sensitivity>=0.95 on validation", selection.Method);
        Assert.Equal(1.0, selection.OperatingPoint.Sensitivity.Value, Tolerance);
        Assert.Equal(0.5, selection.OperatingPoint.Specificity.Value, Tolerance);
    }

    [Fact]
    public void Select_TargetSensitivityHalf_PicksHighestThresholdWithZeroFpr()
    {
        // Arrange
        ScoredSet set = EvaluationSamples.BinaryWithTies();

        // Act
        OperatingThresholdSelection selection = OperatingThresholdSelector.Select(set, new ThresholdSelectionOptions { TargetSensitivity = 0.5 });

        // Assert
        Assert.Equal(0.8, selection.Threshold, Tolerance);
        Assert.Equal(1.0, selection.OperatingPoint.Specificity.Value, Tolerance);
    }

    [Fact]
    public void Select_Youden_TieGoesToHigherThreshold()
    {
        // Arrange: J = .25 .5 .25 .5 .25 0 at thresholds .9 .8 .7 .6 .3 .1.
        ScoredSet set = EvaluationSamples.BinaryWithTies();

        // Act
        OperatingThresholdSelection selection = OperatingThresholdSelector.Select(set, new ThresholdSelectionOptions { Criterion = ThresholdCriterion.YoudenJ });

        // Assert
        Assert.Equal(0.8, selection.Threshold, Tolerance);
        Assert.Equal("youden on validation", selection.Method);
    }

    [Fact]
    public void Select_SingleClass_ThrowsWithReason()
    {
        // Arrange
        ScoredSet set = EvaluationSamples.SingleClass();

        // Act
        EvaluationInputException ex = Assert.Throws<EvaluationInputException>(() => OperatingThresholdSelector.Select(set));

        // Assert
        Assert.Contains("no negative samples", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_TargetOutOfRange_ThrowsEvaluationInputException()
    {
        // Act + Assert
        Assert.Throws<EvaluationInputException>(() => OperatingThresholdSelector.Select(
            EvaluationSamples.BinaryWithTies(), new ThresholdSelectionOptions { TargetSensitivity = 1.5 }));
    }

    [Fact]
    public void Quantile_FourValues_MatchesNumpyLinear()
    {
        // Act + Assert: numpy.quantile([1, 2, 3, 4], .25) = 1.75, .975 → 3.925.
        Assert.Equal(1.75, AucBootstrap.Quantile([1, 2, 3, 4], 0.25), Tolerance);
        Assert.Equal(3.925, AucBootstrap.Quantile([1, 2, 3, 4], 0.975), Tolerance);
    }

    [Fact]
    public void Compute_SameSeed_IsDeterministicAndBracketsEstimate()
    {
        // Arrange
        ScoredSet set = EvaluationSamples.BinaryWithTies();

        // Act
        AucIntervals first = AucBootstrap.Compute(set, replicates: 200, seed: 7);
        AucIntervals second = AucBootstrap.Compute(set, replicates: 200, seed: 7);

        // Assert
        Assert.Equal(first.Classes[0], second.Classes[0]);
        Assert.Equal(first.MicroAverage, second.MicroAverage);
        ConfidenceInterval ci = first.Classes[0]!;
        Assert.InRange(13.0 / 16, ci.Lower, ci.Upper);
        Assert.True(ci.Upper - ci.Lower > 0.05, "eight images must give a wide AUC interval");
    }

    [Fact]
    public void Compute_SingleClass_IntervalsAreNullNotCrash()
    {
        // Act
        AucIntervals intervals = AucBootstrap.Compute(EvaluationSamples.SingleClass(), replicates: 100);

        // Assert
        Assert.All(intervals.Classes, Assert.Null);
        Assert.Null(intervals.MacroAverage);
        Assert.NotNull(intervals.MicroAverage);
    }
}
