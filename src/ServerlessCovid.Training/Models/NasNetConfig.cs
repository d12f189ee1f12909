namespace ServerlessCovid.Training.Models;

/// <summary>
/// The knobs of Keras' <c>NASNet(...)</c> builder. <see cref="Mobile"/> is <c>NASNetMobile</c>; <see cref="Tiny"/> keeps
/// every operator and cell type but few channels and one cell per stage, so tests run in seconds.
/// </summary>
public sealed record NasNetConfig(
    int PenultimateFilters,
    int CellsPerStage,
    int StemFilters,
    int FilterMultiplier,
    int Classes)
{
    /// <summary>Keras NASNetMobile (4 @ 1056, stem 32), with our two classes.</summary>
    public static NasNetConfig Mobile(int classes = 2) => new(1056, 4, 32, 2, classes);

    public static NasNetConfig Tiny(int classes = 2) => new(192, 1, 8, 2, classes);

    /// <summary>Keras' <c>filters = penultimate_filters // 24</c>: the width of the first normal stage.</summary>
    public int BaseFilters => PenultimateFilters / 24;

    public string Describe() =>
        $"NASNet-A ({CellsPerStage} @ {PenultimateFilters}, stem {StemFilters}, multiplier {FilterMultiplier}, {Classes} classes)";

    public void Validate()
    {
        int divisor = 24 * FilterMultiplier * FilterMultiplier;
        if (PenultimateFilters <= 0 || PenultimateFilters % divisor != 0)
        {
            throw new ArgumentException(
                $"Penultimate filters must be a positive multiple of 24 × multiplier² = {divisor}; got {PenultimateFilters}.");
        }

        if (CellsPerStage < 1 || StemFilters < 1 || FilterMultiplier < 1 || Classes < 2)
        {
            throw new ArgumentException(
                $"Invalid NASNet configuration {this}: cells per stage, stem filters and multiplier must be positive, classes at least 2.");
        }

        if (BaseFilters / (FilterMultiplier * FilterMultiplier) < 1 || (BaseFilters / FilterMultiplier) % 2 != 0)
        {
            throw new ArgumentException(
                $"Invalid NASNet configuration {this}: the stem cells need at least one filter and an even second stem width.");
        }
    }
}
