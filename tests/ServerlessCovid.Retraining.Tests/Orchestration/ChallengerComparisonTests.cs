using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

public sealed class ChallengerComparisonTests
{
    private static ModelScore Score(double auc, double sensitivity, double accuracy = 0.9) =>
        new("v", auc, sensitivity, 0.9, accuracy, 0.5, 60, null);

    [Fact]
    public void Decide_NoChampion_Publishes()
    {
        ChallengerDecision decision = ChallengerComparison.Decide(Score(0.6, 0.5), null, PrimaryMetric.PositiveClassAuc, 0.01);

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
            Score(challengerAuc, challengerSensitivity), Score(championAuc, championSensitivity), PrimaryMetric.PositiveClassAuc, 0.01);

        Assert.Equal(expected, decision.Publish);
        Assert.Contains("positive-class AUC", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_BySensitivity_UsesSensitivityAsPrimary()
    {
        ChallengerDecision decision = ChallengerComparison.Decide(
            Score(0.90, 0.99), Score(0.95, 0.90), PrimaryMetric.SensitivityAtThreshold, 0.01);

        Assert.True(decision.Publish);
        Assert.StartsWith("Challenger is better. sensitivity at threshold", decision.Reason, StringComparison.Ordinal);
    }
}
