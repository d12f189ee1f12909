using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Evaluation;

/// <summary>Which model was evaluated, copied from its manifest.</summary>
public sealed record EvaluatedModel(string Version, string? OnnxSha256, string PositiveClass, double OperatingThreshold, string ThresholdMethod)
{
    public static EvaluatedModel FromManifest(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new EvaluatedModel(manifest.Version, manifest.OnnxSha256, manifest.PositiveClass, manifest.OperatingThreshold, manifest.ThresholdMethod);
    }
}

public sealed record LossMetrics(double CategoricalCrossEntropy, double MeanSquaredError);

public sealed record RocMetrics(RocAnalysis Curves, AucIntervals AucIntervals, string IntervalMethod);

/// <summary>
/// Everything <c>metrics.json</c> holds. Field names (camelCase in JSON) are a format: add, never rename.
/// No timestamps, so two evaluations of the same model and data give byte-identical files.
/// </summary>
public sealed record EvaluationMetrics
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public string Disclaimer { get; init; } = Disclaimers.ResearchOnly;

    public required EvaluatedModel Model { get; init; }

    public required string DatasetName { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    public required int Samples { get; init; }

    /// <summary>Whether the positive class's AUC interval clears chance; what the report leads with.</summary>
    public required ModelVerdict Verdict { get; init; }

    public required Proportion Accuracy { get; init; }

    public required LossMetrics Loss { get; init; }

    public required ConfusionMatrix ConfusionMatrix { get; init; }

    public required ClassificationReport ClassificationReport { get; init; }

    public required RocMetrics Roc { get; init; }

    public required OperatingPoint OperatingPoint { get; init; }

    public IReadOnlyList<EpochMetrics> History { get; init; } = [];

    public DatasetAudit? DatasetAudit { get; init; }

    public IReadOnlyList<RejectedImage> RejectedImages { get; init; } = [];

    /// <summary>Pointing game and energy against ground-truth lesions; null when the set has no masks.</summary>
    public LocalisationMetrics? Localisation { get; init; }

    /// <summary>Headline numbers for <see cref="ModelManifest.Evaluation"/>.</summary>
    /// <exception cref="EvaluationInputException">The positive class's AUC is undefined (a single-class set).</exception>
    public ModelEvaluationSummary ToSummary()
    {
        RocCurve? positive = Roc.Curves.Classes.FirstOrDefault(curve => curve.Name == Model.PositiveClass);
        double auc = positive?.Auc ?? throw new EvaluationInputException(
            positive?.UnavailableReason ?? $"Positive class '{Model.PositiveClass}' is not one of the evaluated classes.");

        // The bootstrap's intervals are in the same order as the ROC curves they resample.
        int index = Roc.Curves.Classes.ToList().IndexOf(positive);
        ConfidenceInterval? interval = index < Roc.AucIntervals.Classes.Count ? Roc.AucIntervals.Classes[index] : null;
        return new ModelEvaluationSummary
        {
            Accuracy = Accuracy.Value,
            PositiveClassAuc = auc,
            SensitivityAtThreshold = OperatingPoint.Sensitivity.Value,
            SpecificityAtThreshold = OperatingPoint.Specificity.Value,
            Loss = Loss.CategoricalCrossEntropy,
            Samples = Samples,
            PositiveClassAucLowerBound = interval?.Lower,
            PositiveClassAucUpperBound = interval?.Upper,
            SamplesPerClass = ClassificationReport.Classes.ToDictionary(c => c.ClassName, c => c.Support, StringComparer.Ordinal),
        };
    }
}

/// <summary>Computes <see cref="EvaluationMetrics"/> from a scored set: each metric once, here.</summary>
public static class EvaluationCalculator
{
    public static EvaluationMetrics Compute(EvaluationInput input, EvaluationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        ScoredSet set = input.Scores;
        ConfusionMatrix matrix = ConfusionMatrix.FromArgmax(set);
        ClassificationReport report = ClassificationReport.FromConfusionMatrix(matrix);
        RocAnalysis roc = RocAnalysis.Compute(set);
        AucIntervals intervals = AucBootstrap.Compute(set, options.BootstrapReplicates, options.BootstrapSeed, cancellationToken: cancellationToken);
        OperatingPoint operatingPoint =
            OperatingPoint.Compute(set, input.Model.PositiveClass, input.Model.OperatingThreshold, input.Model.ThresholdMethod);
        int positive = set.IndexOfClass(input.Model.PositiveClass);
        return new EvaluationMetrics
        {
            Model = input.Model,
            DatasetName = input.DatasetName,
            ClassNames = set.ClassNames,
            Samples = set.Count,
            Accuracy = report.Accuracy,
            Loss = new LossMetrics(ProbabilisticLosses.CategoricalCrossEntropy(set), ProbabilisticLosses.MeanSquaredError(set)),
            ConfusionMatrix = matrix,
            ClassificationReport = report,
            Roc = new RocMetrics(roc, intervals, AucBootstrap.MethodName),
            OperatingPoint = operatingPoint,
            Verdict = ModelVerdict.Decide(input.Model.PositiveClass, intervals.Classes[positive]?.Lower,
                operatingPoint.Sensitivity.Value, operatingPoint.Specificity.Value),
            History = input.History,
            RejectedImages = input.RejectedImages,
            DatasetAudit = input.AuditItems is { Count: > 0 } items
                ? DatasetAuditor.Audit(items, new NearDuplicateBounds(options.NearDuplicateHashDistance, options.NearDuplicateMinSsim))
                : null,
            Localisation = ComputeLocalisation(input, set, positive),
        };
    }

    /// <summary>True positives by the served rule (p ≥ operating threshold), as the report's operating point counts them.</summary>
    private static LocalisationMetrics? ComputeLocalisation(EvaluationInput input, ScoredSet set, int positive)
    {
        if (input.Masks.Count == 0)
        {
            return null;
        }

        if (input.Masks.Count != set.Count || (input.ActivationMaps.Count != 0 && input.ActivationMaps.Count != set.Count))
        {
            throw new EvaluationInputException(
                $"{set.Count} scored images but {input.Masks.Count} mask entries and {input.ActivationMaps.Count} maps: give one per image or none.");
        }

        LocalisationSample[] samples = new LocalisationSample[set.Count];
        for (int i = 0; i < set.Count; i++)
        {
            bool calledPositive = set.Probability(i, positive) >= input.Model.OperatingThreshold;
            bool truePositive = set.Labels[i] == positive && calledPositive;
            bool trueNegative = set.Labels[i] != positive && !calledPositive;
            samples[i] = new LocalisationSample(
                truePositive, input.ActivationMaps.Count == 0 ? null : input.ActivationMaps[i], input.Masks[i], trueNegative);
        }

        return LocalisationCalculator.Compute(samples);
    }
}
