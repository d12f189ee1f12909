using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Evaluation;

public sealed class ModelVerdictTests
{
    [Fact]
    public void Decide_LowerBoundAboveChance_DiscriminatesAndGivesTheOperatingPoint()
    {
        // Arrange / Act
        ModelVerdict verdict = ModelVerdict.Decide(ClassNames.Covid, 0.81, 0.95, 0.62);

        // Assert
        Assert.True(verdict.Discriminates);
        Assert.StartsWith("The model discriminates covid", verdict.Sentence, StringComparison.Ordinal);
        Assert.Contains("sensitivity is 0.950", verdict.Sentence, StringComparison.Ordinal);
        Assert.Contains("specificity 0.620", verdict.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_LowerBoundBelowChance_DoesNotDiscriminate()
    {
        // Arrange / Act: the demo's broken export (AUC 0.445, interval 0.396–0.491).
        ModelVerdict verdict = ModelVerdict.Decide(ClassNames.Covid, 0.396, 0.98, 0.05);

        // Assert
        Assert.False(verdict.Discriminates);
        Assert.Contains("does not discriminate covid: do not use", verdict.Sentence, StringComparison.Ordinal);
        Assert.DoesNotContain("sensitivity", verdict.Sentence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(0.5000001, true)]
    [InlineData(0.4999999, false)]
    public void Decide_LowerBoundAtTheBoundary_OnlyStrictlyAboveChanceDiscriminates(double lower, bool expected)
    {
        // Arrange / Act
        ModelVerdict verdict = ModelVerdict.Decide(ClassNames.Covid, lower, 0.9, 0.9);

        // Assert
        Assert.Equal(expected, verdict.Discriminates);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(double.NaN)]
    public void Decide_UndefinedLowerBound_DoesNotDiscriminate(double? lower)
    {
        // Arrange / Act
        ModelVerdict verdict = ModelVerdict.Decide(ClassNames.Covid, lower, 1, 0);

        // Assert
        Assert.False(verdict.Discriminates);
        Assert.Null(verdict.AucLowerBound);
        Assert.Contains("AUC is undefined", verdict.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_CollapsedModelScoringEveryImageAlike_DoesNotDiscriminate()
    {
        // Arrange: a model that collapsed to one output ranks nothing: every bootstrap AUC is exactly 0.5.
        List<string> labels = [.. Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? ClassNames.Covid : ClassNames.Normal)];
        List<IReadOnlyList<double>> probabilities = [.. labels.Select(_ => (IReadOnlyList<double>)[0.7, 0.3])];
        EvaluationInput input = new(new EvaluatedModel("collapsed", null, ClassNames.Covid, 0.5, "default"), "collapsed",
            ScoredSet.FromLabelNames(ClassNames.InOutputOrder, labels, probabilities));

        // Act
        EvaluationMetrics metrics = EvaluationCalculator.Compute(input, new EvaluationOptions { BootstrapReplicates = 50 });

        // Assert: it calls everything positive, so sensitivity 1 would look good without the verdict.
        Assert.Equal(1, metrics.OperatingPoint.Sensitivity.Value);
        Assert.Equal(0.5, metrics.Verdict.AucLowerBound);
        Assert.False(metrics.Verdict.Discriminates);
    }

    [Fact]
    public void Compute_SeparableScores_DiscriminatesWithTheServedOperatingPoint()
    {
        // Arrange
        List<string> labels = [.. Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? ClassNames.Covid : ClassNames.Normal)];
        List<IReadOnlyList<double>> probabilities =
            [.. labels.Select((label, i) => (IReadOnlyList<double>)(label == ClassNames.Covid ? [0.6 + (i * 0.01), 0.4 - (i * 0.01)] : [0.1, 0.9]))];
        EvaluationInput input = new(new EvaluatedModel("good", null, ClassNames.Covid, 0.5, "default"), "separable",
            ScoredSet.FromLabelNames(ClassNames.InOutputOrder, labels, probabilities));

        // Act
        EvaluationMetrics metrics = EvaluationCalculator.Compute(input, new EvaluationOptions { BootstrapReplicates = 50 });

        // Assert
        Assert.True(metrics.Verdict.Discriminates);
        Assert.Equal(metrics.OperatingPoint.Sensitivity.Value, metrics.Verdict.Sensitivity);
        Assert.Equal(metrics.OperatingPoint.Specificity.Value, metrics.Verdict.Specificity);
    }

    [Fact]
    public void FromManifest_ManifestWithoutInterval_SaysNothing()
    {
        // Arrange
        ModelManifest manifest = Manifest(new ModelEvaluationSummary { PositiveClassAuc = 0.4 });

        // Act
        ModelVerdict? verdict = ModelVerdict.FromManifest(manifest);

        // Assert
        Assert.Null(verdict);
    }

    [Fact]
    public void FromManifest_RecordedLowerBoundAtChance_DoesNotDiscriminate()
    {
        // Arrange
        ModelManifest manifest = Manifest(new ModelEvaluationSummary { PositiveClassAuc = 0.52, PositiveClassAucLowerBound = 0.47 });

        // Act
        ModelVerdict? verdict = ModelVerdict.FromManifest(manifest);

        // Assert
        Assert.False(verdict!.Discriminates);
        Assert.Equal(0.47, verdict.AucLowerBound);
    }

    private static ModelManifest Manifest(ModelEvaluationSummary evaluation) => new()
    {
        Version = "v1",
        CreatedUtc = DateTimeOffset.UnixEpoch,
        OnnxSha256 = "00",
        ClassNames = ClassNames.InOutputOrder,
        PreprocessingId = "test",
        OperatingThreshold = 0.5,
        Evaluation = evaluation,
    };
}
