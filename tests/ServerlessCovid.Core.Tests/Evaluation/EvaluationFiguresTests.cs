using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Figures;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Evaluation;

public sealed class EvaluationFiguresTests
{
    [Fact]
    public void ZoomWidth_GoodModel_KeepsThePapersCorner()
    {
        // Arrange: at FPR 0.1 the covid curve is at TPR 0.9, inside 0–0.2 × 0.8–1.
        RocAnalysis roc = RocAnalysis.Compute(Scores(i => i < 18 ? 0.9 : 0.2, i => i < 1 ? 0.8 : 0.1));

        // Act
        double width = EvaluationFigures.ZoomWidth(roc);

        // Assert
        Assert.Equal(EvaluationFigures.PaperZoomWidth, width);
    }

    [Fact]
    public void ZoomWidth_ModelAtChance_WidensTheCornerUntilCurvesShow()
    {
        // Arrange: both classes get the same spread of scores, so every curve is the diagonal. The paper's corner
        // (TPR ≥ 0.8 at FPR ≤ 0.2) was empty for such a model: the reported blank Fig. 10.
        RocAnalysis roc = RocAnalysis.Compute(Scores(i => i / 20.0, i => i / 20.0));

        // Act
        double width = EvaluationFigures.ZoomWidth(roc);

        // Assert: the diagonal reaches TPR 1 − w at FPR w/2 first for w = 0.8 (0.4 ≥ 0.2; at 0.6, 0.3 < 0.4).
        Assert.Equal(0.8, width, 9);
        Assert.True(roc.Classes[0].InterpolateTpr(width / 2) >= 1 - width);
    }

    [Fact]
    public void ScoreBins_KnownScores_CountsEachTrueClassIntoItsBins()
    {
        // Arrange: covid scores 0.9, 0.8, 0.6, 0.6 and normal 0.7, 0.6, 0.3, 0.1; 10 bins of width 0.1.
        ScoredSet scores = EvaluationSamples.BinaryWithTies();

        // Act
        int[][] bins = EvaluationFigures.ScoreBins(scores, ClassNames.Covid, 10);

        // Assert
        int covid = scores.IndexOfClass(ClassNames.Covid);
        int normal = scores.IndexOfClass(ClassNames.Normal);
        Assert.Equal([0, 0, 0, 0, 0, 0, 2, 0, 1, 1], bins[covid]);
        Assert.Equal([0, 1, 0, 1, 0, 0, 1, 1, 0, 0], bins[normal]);
    }

    [Fact]
    public void ScoreBins_ProbabilityOfExactlyOne_GoesIntoTheLastBin()
    {
        // Arrange
        ScoredSet scores = ScoredSet.FromLabelNames(ClassNames.InOutputOrder, [ClassNames.Covid, ClassNames.Normal], [[1.0, 0.0], [0.0, 1.0]]);

        // Act
        int[][] bins = EvaluationFigures.ScoreBins(scores, ClassNames.Covid, 4);

        // Assert
        Assert.Equal([0, 0, 0, 1], bins[scores.IndexOfClass(ClassNames.Covid)]);
        Assert.Equal([1, 0, 0, 0], bins[scores.IndexOfClass(ClassNames.Normal)]);
    }

    /// <summary>20 COVID and 20 normal images; the functions give each one's COVID probability.</summary>
    private static ScoredSet Scores(Func<int, double> covidScore, Func<int, double> normalScore)
    {
        List<string> labels = [];
        List<IReadOnlyList<double>> probabilities = [];
        for (int i = 0; i < 20; i++)
        {
            labels.Add(ClassNames.Covid);
            probabilities.Add([covidScore(i), 1 - covidScore(i)]);
            labels.Add(ClassNames.Normal);
            probabilities.Add([normalScore(i), 1 - normalScore(i)]);
        }

        return ScoredSet.FromLabelNames(ClassNames.InOutputOrder, labels, probabilities);
    }
}
