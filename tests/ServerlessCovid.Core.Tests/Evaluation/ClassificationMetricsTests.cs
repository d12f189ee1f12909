using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Evaluation;

public class ClassificationMetricsTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void FromArgmax_ThreeClasses_RowsAreTrueColumnsPredicted()
    {
        // Arrange
        ScoredSet set = EvaluationSamples.ThreeClasses();

        // Act
        ConfusionMatrix matrix = ConfusionMatrix.FromArgmax(set);

        // Assert: a→a, b→a, c→c, a→c.
        Assert.Equal([1, 0, 1], matrix.Counts[0]);
        Assert.Equal([1, 0, 0], matrix.Counts[1]);
        Assert.Equal([0, 0, 1], matrix.Counts[2]);
        Assert.Equal(2, matrix.Correct);
        Assert.Equal(4, matrix.Total);
    }

    [Fact]
    public void FromConfusionMatrix_ThreeClasses_MatchesSklearnReportByHand()
    {
        // Arrange
        ConfusionMatrix matrix = ConfusionMatrix.FromArgmax(EvaluationSamples.ThreeClasses());

        // Act
        ClassificationReport report = ClassificationReport.FromConfusionMatrix(matrix);

        // Assert: a P=1/2 R=1/2 F1=1/2; b never predicted → P=0 (zero_division=0), R=0; c P=1/2 R=1 F1=2/3.
        Assert.Equal(0.5, report.Classes[0].Precision.Value, Tolerance);
        Assert.Equal(0.5, report.Classes[0].Recall.Value, Tolerance);
        Assert.Equal(0.5, report.Classes[0].F1, Tolerance);
        Assert.Equal(0, report.Classes[1].Precision.Value, Tolerance);
        Assert.Null(report.Classes[1].Precision.Interval);
        Assert.Equal(0, report.Classes[1].F1, Tolerance);
        Assert.Equal(2.0 / 3, report.Classes[2].F1, Tolerance);
        Assert.Equal(0.5, report.Accuracy.Value, Tolerance);
        Assert.Equal(1.0 / 3, report.MacroAverage.Precision, Tolerance);
        Assert.Equal(0.5, report.MacroAverage.Recall, Tolerance);
        Assert.Equal(7.0 / 18, report.MacroAverage.F1, Tolerance);
        Assert.Equal(0.375, report.WeightedAverage.Precision, Tolerance);
        Assert.Equal(0.5, report.WeightedAverage.Recall, Tolerance);
        Assert.Equal(5.0 / 12, report.WeightedAverage.F1, Tolerance);
        Assert.Equal(4, report.WeightedAverage.Support);
    }

    [Fact]
    public void FromConfusionMatrix_ThreeClasses_SpecificityIsTrueNegativeRate()
    {
        // Arrange
        ConfusionMatrix matrix = ConfusionMatrix.FromArgmax(EvaluationSamples.ThreeClasses());

        // Act
        ClassificationReport report = ClassificationReport.FromConfusionMatrix(matrix);

        // Assert: a: TN 1 of 2 negatives; b: 3 of 3; c: 2 of 3.
        Assert.Equal(0.5, report.Classes[0].Specificity.Value, Tolerance);
        Assert.Equal(1.0, report.Classes[1].Specificity.Value, Tolerance);
        Assert.Equal(2.0 / 3, report.Classes[2].Specificity.Value, Tolerance);
        Assert.Equal(3, report.Classes[2].Specificity.Trials);
    }

    [Theory]
    [InlineData(8, 10, 0.4901624715366418, 0.9433178485456248)]
    [InlineData(0, 5, 0.0, 0.43448246478317476)]
    [InlineData(5, 5, 0.5655175352168251, 1.0)]
    [InlineData(1, 2, 0.09453120573423074, 0.9054687942657693)]
    public void WilsonInterval_KnownCounts_MatchesClosedForm(int successes, int trials, double lower, double upper)
    {
        // Act
        ConfidenceInterval? ci = WilsonInterval.Compute(successes, trials);

        // Assert
        Assert.NotNull(ci);
        Assert.Equal(lower, ci.Lower, Tolerance);
        Assert.Equal(upper, ci.Upper, Tolerance);
        Assert.Equal(0.95, ci.Level);
    }

    [Fact]
    public void WilsonInterval_NoTrials_IsNull()
    {
        // Act + Assert
        Assert.Null(WilsonInterval.Compute(0, 0));
    }

    [Fact]
    public void CategoricalCrossEntropy_ThreeClasses_IsMeanNegativeLogOfTrueClass()
    {
        // Arrange: true-class probabilities .6, .4, .5, .3.
        ScoredSet set = EvaluationSamples.ThreeClasses();

        // Act
        double loss = ProbabilisticLosses.CategoricalCrossEntropy(set);

        // Assert
        Assert.Equal(0.8310590851315067, loss, Tolerance);
    }

    [Fact]
    public void CategoricalCrossEntropy_ZeroProbability_ClipsToKerasEpsilon()
    {
        // Arrange: the second image gets probability 0 for its true class: −ln(1e-7) instead of infinity.
        ScoredSet set = ScoredSet.FromLabelNames(
            ClassNames.InOutputOrder, [ClassNames.Covid, ClassNames.Covid], [[0.9, 0.1], [0.0, 1.0]]);

        // Act
        double loss = ProbabilisticLosses.CategoricalCrossEntropy(set);

        // Assert
        Assert.Equal(8.111728083308073, loss, Tolerance);
    }

    [Fact]
    public void MeanSquaredError_ThreeClasses_AveragesOverClassesThenSamples()
    {
        // Arrange: squared errors per sample .26, .62, .38, .78 over 3 classes → 2.04 / 12.
        ScoredSet set = EvaluationSamples.ThreeClasses();

        // Act
        double mse = ProbabilisticLosses.MeanSquaredError(set);

        // Assert
        Assert.Equal(0.17, mse, Tolerance);
    }

    [Fact]
    public void OperatingPoint_BinaryWithTies_ThresholdIsInclusive()
    {
        // Arrange: at 0.6 the tied positives and the tied negative all count as positive.
        ScoredSet set = EvaluationSamples.BinaryWithTies();

        // Act
        OperatingPoint point = OperatingPoint.Compute(set, ClassNames.Covid, 0.6, "test");

        // Assert
        Assert.Equal((4, 2, 2, 0), (point.TruePositives, point.FalsePositives, point.TrueNegatives, point.FalseNegatives));
        Assert.Equal(1.0, point.Sensitivity.Value, Tolerance);
        Assert.Equal(0.5, point.Specificity.Value, Tolerance);
    }

    [Fact]
    public void ScoredSet_ProbabilityOutOfRange_ThrowsWithReason()
    {
        // Act
        EvaluationInputException ex = Assert.Throws<EvaluationInputException>(() => ScoredSet.FromLabelNames(
            ClassNames.InOutputOrder, [ClassNames.Covid], [[1.5, -0.5]]));

        // Assert
        Assert.Contains("not in [0, 1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScoredSet_UnknownLabel_ThrowsWithReason()
    {
        // Act
        EvaluationInputException ex = Assert.Throws<EvaluationInputException>(() => ScoredSet.FromLabelNames(
            ClassNames.InOutputOrder, ["pneumonia"], [[0.5, 0.5]]));

        // Assert
        Assert.Contains("pneumonia", ex.Message, StringComparison.Ordinal);
    }
}
