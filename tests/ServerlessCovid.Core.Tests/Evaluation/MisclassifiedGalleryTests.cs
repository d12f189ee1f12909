using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Evaluation;

public sealed class MisclassifiedGalleryTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("sc-gallery-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Select_ThresholdBetweenScores_MissedLowestFirstThenFalseAlarmsHighestFirst()
    {
        // Arrange: covid 0.9, 0.8, 0.6, 0.6 and normal 0.7, 0.6, 0.3, 0.1; at 0.65 both 0.6 covids are missed and the
        // 0.7 normal is a false alarm.
        ScoredSet scores = EvaluationSamples.BinaryWithTies();
        OperatingPoint op = OperatingPoint.Compute(scores, ClassNames.Covid, 0.65, "test");

        // Act
        IReadOnlyList<(int Index, string Kind)> all = MisclassifiedGallery.Select(scores, op);
        IReadOnlyList<(int Index, string Kind)> capped = MisclassifiedGallery.Select(scores, op, perKind: 1);

        // Assert
        Assert.Equal([(2, MisclassifiedGallery.Missed), (3, MisclassifiedGallery.Missed), (4, MisclassifiedGallery.FalseAlarm)], all);
        Assert.Equal([(2, MisclassifiedGallery.Missed), (4, MisclassifiedGallery.FalseAlarm)], capped);
    }

    [Fact]
    public async Task BuildAsync_LargeImagesAndOneUnreadable_DownscaledThumbnailsAndTheUnreadableLeftOut()
    {
        // Arrange
        ScoredSet scores = EvaluationSamples.BinaryWithTies();
        OperatingPoint op = OperatingPoint.Compute(scores, ClassNames.Covid, 0.65, "test");
        List<string> paths = [.. Enumerable.Range(0, scores.Count).Select(i => SaveImage($"{i}.png", 480, 360))];
        await File.WriteAllTextAsync(paths[3], "not an image");

        // Act
        IReadOnlyList<MisclassifiedImage> gallery = await MisclassifiedGallery.BuildAsync(scores, paths, op);

        // Assert
        Assert.Equal([paths[2], paths[4]], gallery.Select(g => g.Path));
        Assert.Equal(0.6, gallery[0].Score);
        Assert.Equal(ClassNames.Normal, gallery[1].TrueClass);
        using Image thumbnail = Image.Load(gallery[0].Thumbnail.Span);
        Assert.Equal((MisclassifiedGallery.ThumbnailSize, 120), (thumbnail.Width, thumbnail.Height));
    }

    [Fact]
    public async Task WriteAsync_WithImagePaths_ReportEmbedsTheGalleryAfterTheFigures()
    {
        // Arrange
        ScoredSet scores = EvaluationSamples.BinaryWithTies();
        EvaluationInput input = new(new EvaluatedModel("g1", null, ClassNames.Covid, 0.65, "test"), "gallery", scores)
        {
            ImagePaths = [.. Enumerable.Range(0, scores.Count).Select(i => SaveImage($"{i}.png", 200, 200))],
        };
        string output = Path.Combine(_directory.FullName, "report");

        // Act
        await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 50 }).WriteAsync(input, output);

        // Assert
        string html = await File.ReadAllTextAsync(Path.Combine(output, EvaluationReportWriter.HtmlFileName));
        int section = html.IndexOf("<h2>Misclassified images at the operating point</h2>", StringComparison.Ordinal);
        Assert.True(section > html.IndexOf("<h2>Figures</h2>", StringComparison.Ordinal));
        Assert.Equal(3, html.Split("alt=\"thumbnail of ").Length - 1);
        Assert.Contains("<figcaption>4.png<br>true normal, P(covid) = 0.700</figcaption>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_WithoutImagePaths_NoGallerySection()
    {
        // Arrange
        EvaluationInput input = new(new EvaluatedModel("g2", null, ClassNames.Covid, 0.65, "test"), "no files", EvaluationSamples.BinaryWithTies());
        string output = Path.Combine(_directory.FullName, "report");

        // Act
        await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 50 }).WriteAsync(input, output);

        // Assert
        string html = await File.ReadAllTextAsync(Path.Combine(output, EvaluationReportWriter.HtmlFileName));
        Assert.Contains("<h2>Figures</h2>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Misclassified images", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_WithActivationMaps_AddsTopTruePositivesAndAnOverlayPerImage()
    {
        // Arrange: covid 0.9 and 0.8 are the true positives at 0.65; every image has a map.
        ScoredSet scores = EvaluationSamples.BinaryWithTies();
        OperatingPoint op = OperatingPoint.Compute(scores, ClassNames.Covid, 0.65, "test");
        List<string> paths = [.. Enumerable.Range(0, scores.Count).Select(i => SaveImage($"{i}.png", 200, 200))];
        List<ActivationMap?> maps = [.. Enumerable.Range(0, scores.Count).Select(i => (ActivationMap?)Map(i))];

        // Act
        IReadOnlyList<MisclassifiedImage> gallery = await MisclassifiedGallery.BuildAsync(scores, paths, op, activationMaps: maps);

        // Assert
        Assert.Equal(
            [(paths[0], MisclassifiedGallery.TopTruePositive), (paths[1], MisclassifiedGallery.TopTruePositive),
                (paths[2], MisclassifiedGallery.Missed), (paths[3], MisclassifiedGallery.Missed), (paths[4], MisclassifiedGallery.FalseAlarm)],
            gallery.Select(g => (g.Path, g.Kind)));
        Assert.All(gallery, g =>
        {
            using Image overlay = Image.Load(Assert.NotNull(g.HeatMap).Span);
            Assert.Equal((HeatMapOverlay.Width, HeatMapOverlay.Height), (overlay.Width, overlay.Height));
        });
    }

    [Fact]
    public async Task WriteAsync_WithActivationMaps_ReportShowsOverlaysWithTheirFraming()
    {
        // Arrange
        ScoredSet scores = EvaluationSamples.BinaryWithTies();
        EvaluationInput input = new(new EvaluatedModel("g2", null, ClassNames.Covid, 0.65, "test"), "gallery", scores)
        {
            ImagePaths = [.. Enumerable.Range(0, scores.Count).Select(i => SaveImage($"{i}.png", 200, 200))],
            ActivationMaps = [.. Enumerable.Range(0, scores.Count).Select(i => (ActivationMap?)Map(i))],
        };
        string output = Path.Combine(_directory.FullName, "report-maps");

        // Act
        await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 50 }).WriteAsync(input, output);
        string html = await File.ReadAllTextAsync(Path.Combine(output, EvaluationReportWriter.HtmlFileName));

        // Assert: five images, each with its overlay, and the caveats beside them.
        Assert.Equal(5, html.Split("alt=\"heat map of ").Length - 1);
        Assert.Contains("not a diagnosis", html, StringComparison.Ordinal);
        Assert.Contains(MisclassifiedGallery.TopTruePositive, html, StringComparison.Ordinal);
    }

    private static ActivationMap Map(int seed) =>
        new(8, 8, [.. Enumerable.Range(0, 64).Select(c => (float)Math.Sin((c + 1) * (seed + 1)))]);

    private string SaveImage(string name, int width, int height)
    {
        string path = Path.Combine(_directory.FullName, name);
        using Image<L8> image = new(width, height, new L8(128));
        image.SaveAsPng(path);
        return path;
    }
}
