using System.Globalization;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Evaluation.Metrics;

/// <summary>
/// The one-sentence answer a report leads with: does the model separate the positive class from the rest better than
/// chance? It does only when the lower end of the positive class's 95% AUC interval is above 0.5; a point estimate
/// above 0.5 is not enough, since a model at chance scores 0.55 on a small set about as often as 0.45.
/// </summary>
public sealed record ModelVerdict(bool Discriminates, string PositiveClass, double? AucLowerBound, double Sensitivity, double Specificity)
{
    /// <summary>The AUC of a model that ranks at random; the lower bound must be strictly above it.</summary>
    public const double ChanceAuc = 0.5;

    /// <summary>The sentence the report and the CLI print.</summary>
    public string Sentence => Discriminates
        ? string.Create(CultureInfo.InvariantCulture,
            $"The model discriminates {PositiveClass} (AUC 95% lower bound {AucLowerBound:0.000} > {ChanceAuc:0.0}); at the served operating point its sensitivity is {Sensitivity:0.000} and its specificity {Specificity:0.000}.")
        : AucLowerBound is double lower
            ? string.Create(CultureInfo.InvariantCulture,
                $"The model does not discriminate {PositiveClass}: do not use (AUC 95% lower bound {lower:0.000} ≤ {ChanceAuc:0.0}, no better than chance).")
            : $"The model does not discriminate {PositiveClass}: do not use (its AUC is undefined on this set, so nothing shows it beats chance).";

    /// <summary>
    /// The verdict for a lower bound and the served operating point. A missing or NaN bound (undefined AUC) never
    /// counts as discriminating.
    /// </summary>
    public static ModelVerdict Decide(string positiveClass, double? aucLowerBound, double sensitivity, double specificity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(positiveClass);
        bool discriminates = aucLowerBound is double lower && lower > ChanceAuc;
        return new ModelVerdict(discriminates, positiveClass, aucLowerBound is double b && !double.IsNaN(b) ? b : null, sensitivity, specificity);
    }

    /// <summary>
    /// The verdict a model manifest records, or null when it records no AUC interval (packages evaluated before the
    /// interval was stored): those say nothing either way, so callers should not warn on them.
    /// </summary>
    public static ModelVerdict? FromManifest(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Evaluation is { PositiveClassAucLowerBound: double lower } evaluation
            ? Decide(manifest.PositiveClass, lower, evaluation.SensitivityAtThreshold, evaluation.SpecificityAtThreshold)
            : null;
    }
}
