using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Tests.Evaluation;

public class RocAnalysisTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Compute_ThreeClasses_PerClassAucsMatchHand()
    {
        // Arrange: a: .6P .5N .3P .2N → 3/4; b: .4P then a tie of negatives → 1; c: {.5 P N} .1 N N → 5/6.
        ScoredSet set = EvaluationSamples.ThreeClasses();

        // Act
        RocAnalysis roc = RocAnalysis.Compute(set);

        // Assert
        Assert.Equal(0.75, roc.Classes[0].Auc!.Value, Tolerance);
        Assert.Equal(1.0, roc.Classes[1].Auc!.Value, Tolerance);
        Assert.Equal(5.0 / 6, roc.Classes[2].Auc!.Value, Tolerance);
        Assert.Equal(31.0 / 36, roc.MeanPerClassAuc!.Value, Tolerance);
    }

    [Fact]
    public void Compute_ThreeClasses_MicroAverageRavelsAllPairs()
    {
        // Arrange: positives .6 .5 .4 .3 against negatives .5 .5 .3 .3 .2 .2 .1 .1 → (8 + 7 + 6 + 5) / 32.
        ScoredSet set = EvaluationSamples.ThreeClasses();

        // Act
        RocCurve micro = RocAnalysis.Compute(set).MicroAverage;

        // Assert
        RocCurveTests.AssertSequence([0, 0, 0.25, 0.25, 0.5, 0.75, 1], micro.FalsePositiveRates);
        RocCurveTests.AssertSequence([0, 0.25, 0.5, 0.75, 1, 1, 1], micro.TruePositiveRates);
        Assert.Equal(26.0 / 32, micro.Auc!.Value, Tolerance);
        Assert.Equal(4, micro.Positives);
        Assert.Equal(8, micro.Negatives);
    }

    [Fact]
    public void Compute_ThreeClasses_MacroAverageInterpolatesOnUnionOfFprs()
    {
        // Arrange: grid {0, 1/3, 1/2, 2/3, 1}; mean TPR {1/2, 5/6, 1, 1, 1}; area 2/9 + 11/72 + 1/2 = 63/72.
        ScoredSet set = EvaluationSamples.ThreeClasses();

        // Act
        RocCurve macro = RocAnalysis.Compute(set).MacroAverage;

        // Assert
        RocCurveTests.AssertSequence([0, 1.0 / 3, 0.5, 2.0 / 3, 1], macro.FalsePositiveRates);
        RocCurveTests.AssertSequence([0.5, 5.0 / 6, 1, 1, 1], macro.TruePositiveRates);
        Assert.Equal(63.0 / 72, macro.Auc!.Value, Tolerance);
        Assert.Empty(macro.Thresholds);
    }

    [Fact]
    public void Compute_SingleClass_PerClassAndMacroUndefinedMicroDefined()
    {
        // Arrange: three COVID images only.
        ScoredSet set = EvaluationSamples.SingleClass();

        // Act
        RocAnalysis roc = RocAnalysis.Compute(set);

        // Assert
        Assert.All(roc.Classes, curve => Assert.Null(curve.Auc));
        Assert.Contains("no negative samples", roc.Classes[0].UnavailableReason, StringComparison.Ordinal);
        Assert.Contains("no positive samples", roc.Classes[1].UnavailableReason, StringComparison.Ordinal);
        Assert.Null(roc.MacroAverage.Auc);
        Assert.NotNull(roc.MacroAverage.UnavailableReason);
        Assert.Null(roc.MeanPerClassAuc);

        // Micro pairs: positives .9 .4 .7 vs negatives .1 .6 .3: .9 beats 3, .7 beats 3, .4 beats 2 → 8 of 9.
        Assert.Equal(8.0 / 9, roc.MicroAverage.Auc!.Value, Tolerance);
    }
}
