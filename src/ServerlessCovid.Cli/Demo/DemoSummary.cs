using System.Text.Json.Serialization;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Cli.Demo;

/// <summary>Everything <c>covid demo</c> did, as printed and as written to <c>demo-summary.json</c>.</summary>
public sealed record DemoSummary
{
    public required string Storage { get; init; }

    public required string Preset { get; init; }

    public required int TrainingImages { get; init; }

    public required int HeldOutImages { get; init; }

    public required string RunId { get; init; }

    public required string RetrainingStatus { get; init; }

    public string? RetrainingReason { get; init; }

    /// <summary>Seconds per orchestration stage, from the run record.</summary>
    public required IReadOnlyDictionary<string, double> RetrainingStageSeconds { get; init; }

    public required string ModelVersion { get; init; }

    /// <summary>False when the challenger did not beat a model already published in the given account.</summary>
    public required bool PublishedThisRun { get; init; }

    public ModelScore? Challenger { get; init; }

    public required string ReportPath { get; init; }

    public required string ReportBlob { get; init; }

    public required IReadOnlyList<string> ReportFiles { get; init; }

    public required string Hospital { get; init; }

    public required IReadOnlyList<TriageResult> Results { get; init; }

    public required HeldOutEvaluation HeldOut { get; init; }

    public required string OutputDirectory { get; init; }

    public IReadOnlyList<StageTiming> Stages { get; init; } = [];

    public double TotalSeconds { get; init; }

    /// <summary>Totals of the ServerlessCovid metrics this run recorded (what an OpenTelemetry exporter would have received).</summary>
    public IReadOnlyList<MetricTotal> Metrics { get; init; } = [];

    public string Disclaimer { get; init; } = Disclaimers.ResearchOnly;
}

/// <summary>A held-out x-ray: its blob name under the hospital folder, the truth the generator used, and its result row.</summary>
public sealed record HeldOutItem(string Name, string TrueLabel, string ResultId);

/// <summary>
/// The published model on the held-out x-rays, at its own operating threshold (the label the triage handler stored).
/// Counts[actual][predicted] in <see cref="ClassNames.InOutputOrder"/>; rejected or failed images are counted apart.
/// </summary>
public sealed record HeldOutEvaluation(
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<IReadOnlyList<int>> Counts,
    int Scored,
    int NotScored,
    double? Accuracy,
    double? Sensitivity,
    double? Specificity,
    ConfidenceInterval? AccuracyInterval = null)
{
    public static HeldOutEvaluation From(IReadOnlyList<HeldOutItem> items, IReadOnlyList<TriageResult> results)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(results);
        Dictionary<string, TriageResult> byId = results.ToDictionary(r => r.Id, StringComparer.Ordinal);
        List<int> actual = [];
        List<int> predicted = [];
        int notScored = 0;
        foreach (HeldOutItem item in items)
        {
            if (byId.TryGetValue(item.ResultId, out TriageResult? result) && result.IsScored && result.Label is { } label
                && Core.Models.ClassNames.IsKnown(label))
            {
                actual.Add(Core.Models.ClassNames.IndexOf(item.TrueLabel));
                predicted.Add(Core.Models.ClassNames.IndexOf(label));
            }
            else
            {
                notScored++;
            }
        }

        ConfusionMatrix matrix = ConfusionMatrix.FromPredictions(Core.Models.ClassNames.InOutputOrder, actual, predicted);
        int positive = Core.Models.ClassNames.IndexOf(Core.Models.ClassNames.Positive);
        return new HeldOutEvaluation(
            matrix.ClassNames,
            matrix.Counts,
            matrix.Total,
            notScored,
            Ratio(matrix.Correct, matrix.Total),
            Ratio(matrix.TruePositives(positive), matrix.Support(positive)),
            Ratio(matrix.TrueNegatives(positive), matrix.Total - matrix.Support(positive)),
            WilsonInterval.Compute(matrix.Correct, matrix.Total));
    }

    [JsonIgnore]
    public int Total => Scored + NotScored;

    private static double? Ratio(int numerator, int denominator) => denominator == 0 ? null : (double)numerator / denominator;
}
