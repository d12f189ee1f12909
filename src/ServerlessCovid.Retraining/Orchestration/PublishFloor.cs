using System.Globalization;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Orchestration;

/// <summary>
/// What any model must show before it may be served, champion or not: enough validation images to measure it, an
/// AUC that beats chance with 95% confidence, and usable sensitivity and specificity at its own threshold. Pure;
/// each failure starts with a stable rule name (<c>floor:...</c>) followed by the numbers.
/// </summary>
public static class PublishFloor
{
    public const string ValidationImagesRule = "floor:validation_images";

    public const string AucLowerBoundRule = "floor:auc_lower_bound";

    public const string SensitivityRule = "floor:sensitivity";

    public const string SpecificityRule = "floor:specificity";

    /// <summary>The AUC of a model that separates nothing; the interval's lower bound must be above it.</summary>
    public const double ChanceAuc = 0.5;

    /// <summary>
    /// The validation-size rule alone, which the orchestrator can apply right after the split: the split decides it,
    /// so a run that would fail it is not worth training. Null when it passes (or the floor is waived).
    /// </summary>
    public static string? CheckValidationImages(IReadOnlyDictionary<string, int> validationPerClass, RetrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(validationPerClass);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.PublishFloorWaiver is not null)
        {
            return null;
        }

        // Every class counts, also one the split left without any image.
        int[] counts = [.. ClassNames.InOutputOrder.Select(c => validationPerClass.GetValueOrDefault(c))];
        if (counts.Min() >= settings.MinValidationImagesPerClass)
        {
            return null;
        }

        string perClass = string.Join(", ", ClassNames.InOutputOrder.Select((c, i) => $"{c} {counts[i]}"));
        return Invariant(
            $"{ValidationImagesRule}: {perClass} validation images; at least {settings.MinValidationImagesPerClass} per class are required (Retraining:MinValidationImagesPerClass)");
    }

    /// <summary>Every rule <paramref name="score"/> fails, in a fixed order; empty when it passes or the floor is waived.</summary>
    public static IReadOnlyList<string> Check(ModelScore score, RetrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.PublishFloorWaiver is not null)
        {
            return [];
        }

        List<string> failures = [];
        if (CheckValidationImages(score.SamplesPerClass, settings) is { } tooFew)
        {
            failures.Add(tooFew);
        }

        if (score.PositiveClassAucLowerBound is not > ChanceAuc)
        {
            failures.Add(score.PositiveClassAucLowerBound is { } lower
                ? Invariant($"{AucLowerBoundRule}: positive-class AUC {score.PositiveClassAuc:F4} has a 95% lower bound of {lower:F4}, not above chance ({ChanceAuc:F1})")
                : Invariant($"{AucLowerBoundRule}: positive-class AUC {score.PositiveClassAuc:F4} has no 95% interval, so it is not shown to beat chance"));
        }

        if (score.SensitivityAtThreshold < settings.MinSensitivity)
        {
            failures.Add(Invariant(
                $"{SensitivityRule}: sensitivity {score.SensitivityAtThreshold:F4} at threshold {score.OperatingThreshold:G4} is below {settings.MinSensitivity:F4} (Retraining:MinSensitivity)"));
        }

        if (score.SpecificityAtThreshold < settings.MinSpecificity)
        {
            failures.Add(Invariant(
                $"{SpecificityRule}: specificity {score.SpecificityAtThreshold:F4} at threshold {score.OperatingThreshold:G4} is below {settings.MinSpecificity:F4} (Retraining:MinSpecificity)"));
        }

        return failures;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
