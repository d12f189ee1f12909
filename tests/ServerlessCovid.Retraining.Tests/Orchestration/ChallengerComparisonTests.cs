using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

public sealed class ChallengerComparisonTests
{
    /// <summary>The production defaults: floor 20 images per class, sensitivity and specificity 0.5, AUC bound above 0.5.</summary>
    private static readonly RetrainingSettings Defaults = new();

    private static ModelScore Score(
        double auc,
        double sensitivity,
        double accuracy = 0.9,
        double specificity = 0.9,
        double? aucLowerBound = null,
        int covid = 30,
        int normal = 30,
        double threshold = 0.5) =>
        new("v", auc, sensitivity, specificity, accuracy, threshold, covid + normal, null, aucLowerBound ?? auc - 0.1,
            new Dictionary<string, int> { ["covid"] = covid, ["normal"] = normal });

    [Fact]
    public void Decide_GoodFirstModel_Publishes()
    {
        ChallengerDecision decision = ChallengerComparison.Decide(Score(0.9, 0.95), null, Defaults);

        Assert.True(decision.Publish);
        Assert.Contains("No champion", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.95, 0.90, 0.93, 0.90, true)]   // AUC better by more than the margin
    [InlineData(0.935, 0.90, 0.93, 0.90, false)] // better, but within the margin, same sensitivity
    [InlineData(0.93, 0.97, 0.93, 0.90, true)]   // AUC tie, sensitivity clearly better
    [InlineData(0.92, 0.99, 0.93, 0.90, false)]  // AUC worse: sensitivity cannot make up for it
    [InlineData(0.80, 0.90, 0.93, 0.90, false)]  // clearly worse
    public void Decide_ByPositiveClassAuc_AppliesMarginThenSensitivity(
        double challengerAuc, double challengerSensitivity, double championAuc, double championSensitivity, bool expected)
    {
        ChallengerDecision decision = ChallengerComparison.Decide(
            Score(challengerAuc, challengerSensitivity), Score(championAuc, championSensitivity), Defaults);

        Assert.Equal(expected, decision.Publish);
        Assert.Contains("positive-class AUC", decision.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("floor:", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BySensitivity_UsesSensitivityAsPrimary()
    {
        ChallengerDecision decision = ChallengerComparison.Decide(
            Score(0.90, 0.99), Score(0.95, 0.90), Defaults with { PrimaryMetric = PrimaryMetric.SensitivityAtThreshold });

        Assert.True(decision.Publish);
        Assert.StartsWith("Challenger is better. sensitivity at threshold", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_TinyValidationChallengerBeatingChampion_RejectedByValidationImagesFloor()
    {
        // Arrange: the incident, scored on 13 validation images; its AUC beats the champion's.
        ModelScore challenger = Score(0.571, 1.0, specificity: 0.7, aucLowerBound: 0.52, covid: 6, normal: 7);
        ModelScore champion = Score(0.524, 0.9, covid: 6, normal: 7);

        // Act
        ChallengerDecision decision = ChallengerComparison.Decide(challenger, champion, Defaults);

        // Assert
        Assert.False(decision.Publish);
        Assert.Contains(
            "floor:validation_images: covid 6, normal 7 validation images; at least 20 per class are required",
            decision.Reason,
            StringComparison.Ordinal);
        Assert.DoesNotContain("floor:auc_lower_bound", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.41)]
    [InlineData(0.5)] // the bound must be above chance, not at it
    public void Decide_ChanceLevelFirstModel_RejectedByAucLowerBoundFloor(double lowerBound)
    {
        // Arrange: no champion, and an AUC whose interval reaches down to chance.
        ModelScore challenger = Score(0.56, 0.8, specificity: 0.6, aucLowerBound: lowerBound);

        // Act
        ChallengerDecision decision = ChallengerComparison.Decide(challenger, null, Defaults);

        // Assert
        Assert.False(decision.Publish);
        Assert.Contains(FormattableString.Invariant($"floor:auc_lower_bound: positive-class AUC 0.5600 has a 95% lower bound of {lowerBound:F4}"),
            decision.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("No champion", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_NoAucInterval_RejectedByAucLowerBoundFloor()
    {
        ModelScore challenger = Score(0.9, 0.95) with { PositiveClassAucLowerBound = null };

        ChallengerDecision decision = ChallengerComparison.Decide(challenger, null, Defaults);

        Assert.False(decision.Publish);
        Assert.Contains("floor:auc_lower_bound: positive-class AUC 0.9000 has no 95% interval", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ZeroSpecificityModelBeatingChampion_RejectedBySpecificityFloor()
    {
        // Arrange: everything is called COVID at a near-zero threshold, which buys sensitivity 1.
        ModelScore challenger = Score(0.8, 1.0, specificity: 0.0, aucLowerBound: 0.62, threshold: 0.00015);

        // Act
        ChallengerDecision decision = ChallengerComparison.Decide(challenger, Score(0.6, 0.9), Defaults);

        // Assert
        Assert.False(decision.Publish);
        Assert.Contains(
            "floor:specificity: specificity 0.0000 at threshold 0.00015 is below 0.5000 (Retraining:MinSpecificity)",
            decision.Reason,
            StringComparison.Ordinal);
        Assert.DoesNotContain("floor:sensitivity", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SensitivityBelowConfiguredFloor_RejectedBySensitivityFloor()
    {
        ModelScore challenger = Score(0.9, 0.7, specificity: 0.95);

        ChallengerDecision decision = ChallengerComparison.Decide(challenger, null, Defaults with { MinSensitivity = 0.8 });

        Assert.False(decision.Publish);
        Assert.Contains("floor:sensitivity: sensitivity 0.7000 at threshold 0.5 is below 0.8000", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SensitivityAndSpecificityExactlyAtFloor_Publishes()
    {
        ChallengerDecision decision = ChallengerComparison.Decide(Score(0.8, 0.5, specificity: 0.5), null, Defaults);

        Assert.True(decision.Publish, decision.Reason);
    }

    [Fact]
    public void Decide_FloorWaived_PublishesAndSaysWhy()
    {
        ModelScore challenger = Score(0.5, 1.0, specificity: 0.0, aucLowerBound: 0.3, covid: 6, normal: 6);

        ChallengerDecision decision = ChallengerComparison.Decide(challenger, null, Defaults with { PublishFloorWaiver = "wiring demo" });

        Assert.True(decision.Publish);
        Assert.StartsWith("Publish floor waived (wiring demo). No champion", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckValidationImages_ClassMissingFromSplit_CountsItAsZero()
    {
        string? failure = PublishFloor.CheckValidationImages(new Dictionary<string, int> { ["covid"] = 40 }, Defaults);

        Assert.Equal(
            "floor:validation_images: covid 40, normal 0 validation images; at least 20 per class are required (Retraining:MinValidationImagesPerClass)",
            failure);
    }
}
