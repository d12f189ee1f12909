using System.Globalization;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Core.Evaluation.Localisation;

/// <summary>
/// Pointing game (Zhang et al. 2016, without their 15-px tolerance), its chance level and the energy inside lesions,
/// from activation maps upsampled bilinearly (half-pixel centres, edges clamped, as image resizers do) to each mask;
/// and, for findings in one lung, the lung-side pointing game: a coarser question an 8×8 map can answer.
/// </summary>
public static class LocalisationCalculator
{
    public const string MethodName = "cam-bilinear-upsampled; pointing game = first maximum in row-major order inside the lesion";

    /// <summary>Null when no sample has masks: there is nothing to measure against.</summary>
    public static LocalisationMetrics? Compute(IReadOnlyList<LocalisationSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (!samples.Any(s => s.Masks is not null))
        {
            return null;
        }

        int truePositives = 0, withoutMasks = 0, emptyLesion = 0, withoutMap = 0, hits = 0, relativeHits = 0, evaluated = 0;
        int sideHits = 0, oneSided = 0;
        List<double> sideChance = [];
        (float[]? baseline, int normals) = MeanTrueNegativeMap(samples);
        List<double> chance = [];
        List<double> energy = [];
        List<double> energyChance = [];
        string? grid = null;
        foreach (LocalisationSample sample in samples.Where(s => s.TruePositive))
        {
            truePositives++;
            if (sample.Masks is not GroundTruthMasks masks)
            {
                withoutMasks++;
                continue;
            }

            if (masks.Lesion.Count == 0)
            {
                emptyLesion++;
                continue;
            }

            if (sample.Map is not ActivationMap map)
            {
                withoutMap++;
                continue;
            }

            evaluated++;
            grid ??= string.Create(CultureInfo.InvariantCulture, $"{map.Width}x{map.Height}");
            float[] upsampled = Upsample(map, masks.Lesion.Width, masks.Lesion.Height);
            int maximum = ArgMax(upsampled);
            hits += masks.Lesion.Inside[maximum] ? 1 : 0;
            if (FindingsSide(masks) is (bool left, double lungShare))
            {
                oneSided++;
                sideHits += maximum % masks.Lesion.Width < masks.LungMidline!.Value == left ? 1 : 0;
                sideChance.Add(lungShare);
            }

            if (baseline is not null && baseline.Length == map.Values.Length)
            {
                ActivationMap relative = map with { Values = [.. map.Values.Select((v, i) => v - baseline[i])] };
                relativeHits += PointsInside(Upsample(relative, masks.Lesion.Width, masks.Lesion.Height), masks.Lesion) ? 1 : 0;
            }

            if (masks.LesionFractionOfLung is double fraction)
            {
                chance.Add(fraction);
            }

            if (EnergyInside(upsampled, masks.Lesion) is double share)
            {
                energy.Add(share);
            }

            energyChance.Add(masks.LesionFractionOfImage);
        }

        return new LocalisationMetrics
        {
            TruePositives = truePositives,
            Evaluated = evaluated,
            WithoutMasks = withoutMasks,
            WithEmptyLesion = emptyLesion,
            WithoutMap = withoutMap,
            PointingGame = Proportion.Of(hits, evaluated),
            ChanceLevel = chance.Count > 0 ? chance.Average() : null,
            EnergyInsideLesions = energy.Count > 0 ? energy.Average() : null,
            EnergySamples = energy.Count,
            EnergyChanceLevel = energyChance.Count > 0 ? energyChance.Average() : null,
            MapGrid = grid ?? "none",
            PointingGameRelativeToNormals = baseline is not null && evaluated > 0 ? Proportion.Of(relativeHits, evaluated) : null,
            NormalsInBaseline = baseline is null ? 0 : normals,
            LungSidePointingGame = oneSided > 0 ? Proportion.Of(sideHits, oneSided) : null,
            LungSideChanceLevel = sideChance.Count > 0 ? sideChance.Average() : null,
        };
    }

    /// <summary>
    /// Share of a lesion mask that must lie on one side of the lung midline for the image to count as one-sided in the
    /// lung-side pointing game: a few blurred edge pixels across it do not make findings bilateral.
    /// </summary>
    public const double OneSidedShare = 0.95;

    /// <summary>
    /// For findings in one lung: whether that lung is on the image's left, and its share of the lung fields (where a
    /// point dropped uniformly in the lungs lands on the right side: the chance level). Null for bilateral findings.
    /// </summary>
    private static (bool Left, double LungShare)? FindingsSide(GroundTruthMasks masks)
    {
        if (masks.LungMidline is null)
        {
            return null;
        }

        double leftShare = masks.LesionPixelsLeftOfMidline / (double)masks.Lesion.Count;
        double lungLeft = masks.LungPixelsLeftOfMidline / (double)masks.LungPixels;
        return leftShare >= OneSidedShare ? (true, lungLeft)
            : leftShare <= 1 - OneSidedShare ? (false, 1 - lungLeft)
            : null;
    }

    /// <summary>The cell-wise mean of the true negatives' maps on the most common grid, or null without any.</summary>
    private static (float[]? Mean, int Count) MeanTrueNegativeMap(IReadOnlyList<LocalisationSample> samples)
    {
        List<ActivationMap> maps = [.. samples.Where(s => s.TrueNegative && s.Map is not null).Select(s => s.Map!)];
        if (maps.Count == 0)
        {
            return (null, 0);
        }

        int cells = maps.GroupBy(m => m.Values.Length).MaxBy(g => g.Count())!.Key;
        List<ActivationMap> sameGrid = [.. maps.Where(m => m.Values.Length == cells)];
        float[] mean = new float[cells];
        foreach (ActivationMap map in sameGrid)
        {
            for (int i = 0; i < cells; i++)
            {
                mean[i] += map.Values[i] / sameGrid.Count;
            }
        }

        return (mean, sameGrid.Count);
    }

    /// <summary>Bilinear upsampling of a map to <paramref name="width"/> × <paramref name="height"/>, row-major.</summary>
    public static float[] Upsample(ActivationMap map, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(map);
        (int[] x0, int[] x1, float[] fx) = Taps(map.Width, width);
        (int[] y0, int[] y1, float[] fy) = Taps(map.Height, height);
        float[] result = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            int top = y0[y] * map.Width;
            int bottom = y1[y] * map.Width;
            for (int x = 0; x < width; x++)
            {
                float upper = map.Values[top + x0[x]] + (fx[x] * (map.Values[top + x1[x]] - map.Values[top + x0[x]]));
                float lower = map.Values[bottom + x0[x]] + (fx[x] * (map.Values[bottom + x1[x]] - map.Values[bottom + x0[x]]));
                result[(y * width) + x] = upper + (fy[y] * (lower - upper));
            }
        }

        return result;
    }

    /// <summary>Whether the first maximum (row-major) of an upsampled map lies inside the mask.</summary>
    public static bool PointsInside(IReadOnlyList<float> upsampled, BinaryMask lesion)
    {
        ArgumentNullException.ThrowIfNull(upsampled);
        ArgumentNullException.ThrowIfNull(lesion);
        return lesion.Inside[ArgMax(upsampled)];
    }

    /// <summary>Index of the first maximum in row-major order.</summary>
    private static int ArgMax(IReadOnlyList<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Count; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Share of the map's positive mass inside the mask (negative evidence counts 0); null when the map has no
    /// positive mass at all, where the share is undefined.
    /// </summary>
    public static double? EnergyInside(IReadOnlyList<float> upsampled, BinaryMask lesion)
    {
        ArgumentNullException.ThrowIfNull(upsampled);
        ArgumentNullException.ThrowIfNull(lesion);
        double inside = 0;
        double total = 0;
        for (int i = 0; i < upsampled.Count; i++)
        {
            double mass = Math.Max(0, upsampled[i]);
            total += mass;
            if (lesion.Inside[i])
            {
                inside += mass;
            }
        }

        return total > 0 ? inside / total : null;
    }

    /// <summary>Source cells and weight for each output pixel along one axis.</summary>
    private static (int[] Low, int[] High, float[] Weight) Taps(int source, int target)
    {
        int[] low = new int[target];
        int[] high = new int[target];
        float[] weight = new float[target];
        double scale = source / (double)target;
        for (int i = 0; i < target; i++)
        {
            double position = Math.Clamp(((i + 0.5) * scale) - 0.5, 0, source - 1);
            low[i] = (int)Math.Floor(position);
            high[i] = Math.Min(low[i] + 1, source - 1);
            weight[i] = (float)(position - low[i]);
        }

        return (low, high, weight);
    }
}
