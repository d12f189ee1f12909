using ServerlessCovid.Core.Evaluation.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>
/// One misclassified image in the report's gallery: a downscaled PNG of the image as read from disk.
/// <see cref="HeatMap"/> is where a saliency overlay (e.g. Grad-CAM) of the same size goes; the report shows it beside
/// the thumbnail when present, so adding heat maps needs no change to the page.
/// </summary>
public sealed record MisclassifiedImage(string Kind, string Path, string TrueClass, double Score, ReadOnlyMemory<byte> Thumbnail)
{
    public ReadOnlyMemory<byte>? HeatMap { get; init; }
}

/// <summary>
/// Picks and thumbnails the images the served rule got wrong, worst first: missed positives with the lowest scores and
/// false alarms with the highest, a few of each so the page stays small.
/// </summary>
public static class MisclassifiedGallery
{
    public const int DefaultPerKind = 8;

    /// <summary>Longest side of a thumbnail in pixels.</summary>
    public const int ThumbnailSize = 160;

    public const string Missed = "missed (false negative)";

    public const string FalseAlarm = "false alarm (false positive)";

    /// <summary>
    /// Indices of up to <paramref name="perKind"/> false negatives (lowest positive-class score first), then up to as
    /// many false positives (highest first), under "positive when p ≥ threshold". Ties keep the set's order.
    /// </summary>
    public static IReadOnlyList<(int Index, string Kind)> Select(ScoredSet scores, OperatingPoint operatingPoint, int perKind = DefaultPerKind)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(operatingPoint);
        ArgumentOutOfRangeException.ThrowIfNegative(perKind);
        int positive = scores.IndexOfClass(operatingPoint.PositiveClass);
        double Score(int i) => scores.Probability(i, positive);
        bool Called(int i) => Score(i) >= operatingPoint.Threshold;
        IEnumerable<int> all = Enumerable.Range(0, scores.Count);
        IEnumerable<int> missed = all.Where(i => scores.Labels[i] == positive && !Called(i)).OrderBy(Score).Take(perKind);
        IEnumerable<int> falseAlarms = all.Where(i => scores.Labels[i] != positive && Called(i)).OrderByDescending(Score).Take(perKind);
        return [.. missed.Select(i => (i, Missed)), .. falseAlarms.Select(i => (i, FalseAlarm))];
    }

    /// <summary>
    /// The gallery for a set whose images are the files <paramref name="imagePaths"/> (one per scored image, in order).
    /// An image that can no longer be read is left out rather than failing the report.
    /// </summary>
    public static async Task<IReadOnlyList<MisclassifiedImage>> BuildAsync(
        ScoredSet scores, IReadOnlyList<string> imagePaths, OperatingPoint operatingPoint, int perKind = DefaultPerKind,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(imagePaths);
        ArgumentNullException.ThrowIfNull(operatingPoint);
        if (imagePaths.Count != scores.Count)
        {
            throw new ArgumentException($"{imagePaths.Count} image paths for {scores.Count} scored images.", nameof(imagePaths));
        }

        int positive = scores.IndexOfClass(operatingPoint.PositiveClass);
        List<MisclassifiedImage> gallery = [];
        foreach ((int index, string kind) in Select(scores, operatingPoint, perKind))
        {
            byte[]? thumbnail = await ThumbnailAsync(imagePaths[index], cancellationToken).ConfigureAwait(false);
            if (thumbnail is not null)
            {
                gallery.Add(new MisclassifiedImage(kind, imagePaths[index], scores.ClassNames[scores.Labels[index]],
                    scores.Probability(index, positive), thumbnail));
            }
        }

        return gallery;
    }

    private static async Task<byte[]?> ThumbnailAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using Image image = await Image.LoadAsync(path, cancellationToken).ConfigureAwait(false);
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(ThumbnailSize, ThumbnailSize), Mode = ResizeMode.Max }));
            using MemoryStream png = new();
            await image.SaveAsPngAsync(png, cancellationToken).ConfigureAwait(false);
            return png.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ImageFormatException)
        {
            return null;
        }
    }
}
