using System.Globalization;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Core.Evaluation.Localisation;

/// <summary>
/// One scored image as localisation sees it: whether it is a true positive, its map and its ground truth, and whether
/// it is a true negative (a normal film the model cleared), whose map goes into the position baseline.
/// </summary>
public sealed record LocalisationSample(bool TruePositive, ActivationMap? Map, GroundTruthMasks? Masks, bool TrueNegative = false);

/// <summary>
/// Where the positive class's activation map points, measured against the synthetic generator's lesion masks, over
/// the true positives that have a lesion and a map (<see cref="Evaluated"/>). Field names are part of metrics.json.
/// </summary>
public sealed record LocalisationMetrics
{
    /// <summary>True positives at the operating rule, with or without masks.</summary>
    public required int TruePositives { get; init; }

    /// <summary>True positives with a non-empty lesion mask and a map: the denominator of every number below.</summary>
    public required int Evaluated { get; init; }

    public required int WithoutMasks { get; init; }

    /// <summary>True positives whose lesion mask is empty (opacities drawn outside the lungs): nothing to point at.</summary>
    public required int WithEmptyLesion { get; init; }

    /// <summary>True positives without a map (a model without the <c>cam</c> output).</summary>
    public required int WithoutMap { get; init; }

    /// <summary>Hits (the upsampled map's maximum lies in the lesion) over <see cref="Evaluated"/>, with its Wilson interval.</summary>
    public required Proportion PointingGame { get; init; }

    /// <summary>Mean lesion share of the lung fields: what a point dropped uniformly in the lungs would score.</summary>
    public double? ChanceLevel { get; init; }

    /// <summary>Mean share of the positive map mass (negative cells count 0) inside the lesion.</summary>
    public double? EnergyInsideLesions { get; init; }

    /// <summary>Images in <see cref="EnergyInsideLesions"/>: those whose map has any positive mass.</summary>
    public required int EnergySamples { get; init; }

    /// <summary>Mean lesion share of the whole image: the energy a uniform map would have inside the lesions.</summary>
    public double? EnergyChanceLevel { get; init; }

    /// <summary>
    /// Diagnostic, not the pointing game: the same hits with the mean map of the true negatives subtracted cell by
    /// cell first. Where this is far above <see cref="PointingGame"/>, the misses come from a position prior the model
    /// shows on every film (its largest evidence in the same cells whatever the image), not from evidence off the
    /// lesions. Null without true negatives on the same grid.
    /// </summary>
    public Proportion? PointingGameRelativeToNormals { get; init; }

    /// <summary>True-negative maps averaged into the baseline of <see cref="PointingGameRelativeToNormals"/>.</summary>
    public int NormalsInBaseline { get; init; }

    /// <summary>
    /// Over the evaluated true positives whose lesions lie in one lung (at least
    /// <see cref="LocalisationCalculator.OneSidedShare"/> of the mask on one side of the lung midline): hits where the map's
    /// maximum is on that lung's side of the midline. Null without such images (most synthetic COVID films are
    /// bilateral: <c>covid synth --unilateral</c> writes a probe set).
    /// </summary>
    public Proportion? LungSidePointingGame { get; init; }

    /// <summary>Mean share of the lung fields on the findings' side: what a point dropped uniformly in the lungs would score.</summary>
    public double? LungSideChanceLevel { get; init; }

    /// <summary>The maps' grid (e.g. "8x8"); the maps are upsampled from it to the mask size.</summary>
    public required string MapGrid { get; init; }

    public string Method { get; init; } = LocalisationCalculator.MethodName;

    /// <summary>One line for the console: pointing game with its interval, chance level and energy.</summary>
    public string Describe()
    {
        string diagnostic = PointingGameRelativeToNormals is { } relative
            ? string.Create(CultureInfo.InvariantCulture, $" Diagnostic: relative to the mean map of {NormalsInBaseline} true negatives, {relative.Value:0.000} {Interval(relative)}.")
            : string.Empty;
        string side = LungSidePointingGame is { } lungSide
            ? string.Create(CultureInfo.InvariantCulture,
                $" Lung side (maximum on the side of the lung with the findings, over {lungSide.Trials} true positives with findings in one lung) {lungSide.Value:0.000} {Interval(lungSide)}, chance level {Format(LungSideChanceLevel)}.")
            : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"Pointing game (CAM {MapGrid} maximum inside a lesion) {PointingGame.Value:0.000} {Interval(PointingGame)} ({PointingGame.Successes}/{PointingGame.Trials} true positives), "
            + $"chance level {Format(ChanceLevel)}; energy inside lesions {Format(EnergyInsideLesions)} (uniform map {Format(EnergyChanceLevel)}).") + side + diagnostic;
    }

    private static string Interval(Proportion proportion) => proportion.Interval is { } ci
        ? string.Create(CultureInfo.InvariantCulture, $"[{ci.Lower:0.000}, {ci.Upper:0.000}]")
        : "[n/a]";

    private static string Format(double? value) => value is double v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}
