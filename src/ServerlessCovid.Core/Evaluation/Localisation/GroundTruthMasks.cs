using ServerlessCovid.Core.Datasets;

namespace ServerlessCovid.Core.Evaluation.Localisation;

/// <summary>
/// One image's ground truth for localisation: its lesion mask, and the two areas its pointing game's chance level
/// needs (the lung mask itself is not kept: a 512² set of 600 would hold 150 MB of it for two numbers per image).
/// </summary>
public sealed record GroundTruthMasks(BinaryMask Lesion, int LungPixels, int LesionPixelsInLung)
{
    /// <summary>Combines a lesion and a lung mask of the same size.</summary>
    /// <exception cref="MaskInputException">The sizes differ (<see cref="MaskErrorCodes.SizeMismatch"/>).</exception>
    public static GroundTruthMasks From(BinaryMask lesion, BinaryMask lung, string describe = "the image")
    {
        ArgumentNullException.ThrowIfNull(lesion);
        ArgumentNullException.ThrowIfNull(lung);
        if (lesion.Width != lung.Width || lesion.Height != lung.Height)
        {
            throw new MaskInputException(MaskErrorCodes.SizeMismatch,
                $"The lesion mask of {describe} is {lesion.Width}×{lesion.Height} but its lung mask is {lung.Width}×{lung.Height}; "
                + "both must have the image's size.");
        }

        // One pass, counted per column: the midline comes from the lung's outermost columns, and both sides' areas
        // are then sums of columns.
        int inLung = 0;
        int[] lungColumns = new int[lung.Width];
        int[] lesionColumns = new int[lung.Width];
        for (int i = 0; i < lesion.Inside.Count; i++)
        {
            int x = i % lung.Width;
            lesionColumns[x] += lesion.Inside[i] ? 1 : 0;
            if (lung.Inside[i])
            {
                lungColumns[x]++;
                inLung += lesion.Inside[i] ? 1 : 0;
            }
        }

        int leftmost = Array.FindIndex(lungColumns, count => count > 0);
        if (leftmost < 0)
        {
            return new GroundTruthMasks(lesion, 0, 0);
        }

        int rightmost = Array.FindLastIndex(lungColumns, count => count > 0);
        double midline = (leftmost + rightmost + 1) / 2.0;
        int leftColumns = (int)Math.Ceiling(midline);
        return new GroundTruthMasks(lesion, lung.Count, inLung)
        {
            LungMidline = midline,
            LungPixelsLeftOfMidline = lungColumns.Take(leftColumns).Sum(),
            LesionPixelsLeftOfMidline = lesionColumns.Take(leftColumns).Sum(),
        };
    }

    /// <summary>
    /// The column between the two lung fields (halfway between the lung mask's outermost pixels): a pixel whose
    /// x is below it lies on the image's left (the patient's right lung). Null without lung pixels.
    /// </summary>
    public double? LungMidline { get; init; }

    /// <summary>Lung pixels left of <see cref="LungMidline"/>.</summary>
    public int LungPixelsLeftOfMidline { get; init; }

    /// <summary>Lesion pixels (inside the lungs or not) left of <see cref="LungMidline"/>.</summary>
    public int LesionPixelsLeftOfMidline { get; init; }

    /// <summary>Where a point dropped uniformly in the lungs lands in a lesion: the pointing game's chance level.</summary>
    public double? LesionFractionOfLung => LungPixels == 0 ? null : LesionPixelsInLung / (double)LungPixels;

    /// <summary>The share of a uniform map's mass inside the lesion: the energy's chance level.</summary>
    public double LesionFractionOfImage => Lesion.Count / (double)(Lesion.Width * Lesion.Height);

    /// <summary>
    /// The masks of each image in <paramref name="imagePaths"/> (same order) from the <c>lesion_mask</c> and
    /// <c>lung_mask</c> columns of <paramref name="dataDirectory"/>'s manifest.csv; null for an image without both
    /// (normal images have no lesion). Empty when there is no manifest or it names no masks.
    /// </summary>
    /// <exception cref="MaskInputException">A named mask is missing, unreadable, outside the folder or of the wrong size.</exception>
    public static IReadOnlyList<GroundTruthMasks?> LoadFromManifest(
        string dataDirectory, IReadOnlyList<string> imagePaths, IReadOnlyList<(int Width, int Height)>? imageSizes = null)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        if (!File.Exists(Path.Combine(dataDirectory, DatasetManifest.FileName)))
        {
            return [];
        }

        string root = Path.GetFullPath(dataDirectory);
        Dictionary<string, DatasetManifestEntry> entries = new(StringComparer.Ordinal);
        foreach (DatasetManifestEntry entry in DatasetManifest.Read(dataDirectory))
        {
            entries[Normalize(entry.File)] = entry;
        }

        if (!entries.Values.Any(e => e.LesionMask.Length > 0))
        {
            return [];
        }

        GroundTruthMasks?[] masks = new GroundTruthMasks?[imagePaths.Count];
        for (int i = 0; i < imagePaths.Count; i++)
        {
            string relative = Normalize(Path.GetRelativePath(root, Path.GetFullPath(imagePaths[i])));
            if (!entries.TryGetValue(relative, out DatasetManifestEntry? entry) || entry.LesionMask.Length == 0 || entry.LungMask.Length == 0)
            {
                continue;
            }

            GroundTruthMasks truth = From(Load(root, entry.LesionMask), Load(root, entry.LungMask), relative);
            if (imageSizes is { } sizes && i < sizes.Count && (sizes[i].Width != truth.Lesion.Width || sizes[i].Height != truth.Lesion.Height))
            {
                throw new MaskInputException(MaskErrorCodes.SizeMismatch,
                    $"The masks of {relative} are {truth.Lesion.Width}×{truth.Lesion.Height} but the image is {sizes[i].Width}×{sizes[i].Height}.");
            }

            masks[i] = truth;
        }

        return masks;
    }

    private static BinaryMask Load(string root, string relative)
    {
        string path = Path.GetFullPath(Path.Combine(root, relative));
        if (!path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new MaskInputException(MaskErrorCodes.OutsideDataset,
                $"Mask '{relative}' in manifest.csv points outside '{root}'; masks must lie inside the dataset folder.");
        }

        return BinaryMask.Load(path);
    }

    private static string Normalize(string path) => path.Replace('\\', '/').TrimStart('.', '/');
}
