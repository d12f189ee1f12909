using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>
/// One misclassified image in the report's gallery: a downscaled PNG of the image as read from disk.
/// <see cref="HeatMap"/> is its class-activation overlay (<see cref="HeatMapOverlay"/>) when the model exports one; the
/// report shows it beside the thumbnail.
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

    public const string TopTruePositive = "highest-scoring true positive";

    /// <summary>
    /// Indices of up to <paramref name="perKind"/> false negatives (lowest positive-class score first), then up to as
    /// many false positives (highest first), under "positive when p ≥ threshold"; with
    /// <paramref name="includeTruePositives"/>, first the highest-scoring true positives, whose heat maps show what the
    /// model treats as its strongest evidence. Ties keep the set's order.
    /// </summary>
    public static IReadOnlyList<(int Index, string Kind)> Select(
        ScoredSet scores, OperatingPoint operatingPoint, int perKind = DefaultPerKind, bool includeTruePositives = false)
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
        IEnumerable<int> top = includeTruePositives
            ? all.Where(i => scores.Labels[i] == positive && Called(i)).OrderByDescending(Score).Take(perKind)
            : [];
        return [.. top.Select(i => (i, TopTruePositive)), .. missed.Select(i => (i, Missed)), .. falseAlarms.Select(i => (i, FalseAlarm))];
    }

    /// <summary>
    /// The gallery for a set whose images are the files <paramref name="imagePaths"/> (one per scored image, in order).
    /// An image that can no longer be read is left out rather than failing the report. With
    /// <paramref name="activationMaps"/> (one per scored image, null where the model gave none) the gallery also shows
    /// the highest-scoring true positives, and each image its class-activation overlay (<see cref="HeatMapOverlay"/>).
    /// </summary>
    public static async Task<IReadOnlyList<MisclassifiedImage>> BuildAsync(
        ScoredSet scores, IReadOnlyList<string> imagePaths, OperatingPoint operatingPoint, int perKind = DefaultPerKind,
        IReadOnlyList<ActivationMap?>? activationMaps = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(imagePaths);
        ArgumentNullException.ThrowIfNull(operatingPoint);
        if (imagePaths.Count != scores.Count)
        {
            throw new ArgumentException($"{imagePaths.Count} image paths for {scores.Count} scored images.", nameof(imagePaths));
        }

        bool withMaps = activationMaps is not null && activationMaps.Count == scores.Count && activationMaps.Any(map => map is not null);
        int positive = scores.IndexOfClass(operatingPoint.PositiveClass);
        List<MisclassifiedImage> gallery = [];
        foreach ((int index, string kind) in Select(scores, operatingPoint, perKind, includeTruePositives: withMaps))
        {
            byte[]? thumbnail = await ThumbnailAsync(imagePaths[index], cancellationToken).ConfigureAwait(false);
            if (thumbnail is not null)
            {
                gallery.Add(new MisclassifiedImage(kind, imagePaths[index], scores.ClassNames[scores.Labels[index]],
                    scores.Probability(index, positive), thumbnail)
                {
                    HeatMap = withMaps && activationMaps![index] is { } map
                        ? await OverlayAsync(imagePaths[index], map, cancellationToken).ConfigureAwait(false)
                        : null,
                });
            }
        }

        return gallery;
    }

    private static async Task<byte[]?> OverlayAsync(string path, ActivationMap map, CancellationToken cancellationToken)
    {
        try
        {
            byte[] image = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return HeatMapOverlay.Render(image, map, XrayPreprocessor.Default, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ImageRejectedException)
        {
            return null;
        }
    }

    private static async Task<byte[]?> ThumbnailAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            using Image image = DicomDisplay.IsDicom(bytes) ? DicomDisplay.LoadGrey(bytes) : Image.Load(bytes);
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(ThumbnailSize, ThumbnailSize), Mode = ResizeMode.Max }));
            using MemoryStream png = new();
            await image.SaveAsPngAsync(png, cancellationToken).ConfigureAwait(false);
            return png.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ImageFormatException or ImageRejectedException)
        {
            return null;
        }
    }
}
