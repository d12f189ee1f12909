using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Evaluation.Audit;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Tests.Evaluation;

/// <summary>
/// The audit on synthetic chest films, which share one silhouette as real ones do. Seed 5 is one of the three the
/// bounds were calibrated on, and the one with the closest independent pair (SSIM 0.889), so it is the hard case.
/// </summary>
public class NearDuplicateAuditTests
{
    private const int Seed = 5;

    private const int Size = 256;

    [Fact]
    public void Audit_240IndependentSyntheticXrays_FlagsNoNearDuplicates()
    {
        // Arrange: each image in its own split, so all 28,680 pairs are compared.
        List<AuditItem> items = [];
        for (int i = 0; i < 240; i++)
        {
            using Image<L8> image = Xray(i);
            items.Add(Item($"{i}.png", $"split-{i}", TestImages.Png(image)));
        }

        // Act
        DatasetAudit audit = DatasetAuditor.Audit(items);

        // Assert
        Assert.Equal(0, audit.NearDuplicatePairs);
        Assert.Equal(0, audit.ExactDuplicatePairs);
        Assert.Empty(audit.DuplicatePairs);
        Assert.DoesNotContain(audit.Warnings, w => w.Code == AuditWarningCodes.NearDuplicatesAcrossSplits);
    }

    [Fact]
    public void Audit_ReencodedResizedCroppedAndBrightenedCopies_FlagsEveryCopyAndNothingElse()
    {
        // Arrange: originals in train, their edited copies in validation.
        const int originals = 8;
        List<AuditItem> items = [];
        for (int i = 0; i < originals; i++)
        {
            using Image<L8> image = Xray(i);
            items.Add(Item($"{i}.png", "train", TestImages.Png(image)));
            foreach ((string edit, byte[] bytes) in Copies(image))
            {
                items.Add(Item($"{i}-{edit}", "validation", bytes));
            }
        }

        int copies = items.Count - originals;

        // Act
        DatasetAudit audit = DatasetAuditor.Audit(items);

        // Assert: one pair per copy, each with its own original.
        Assert.Equal(copies, audit.NearDuplicatePairs);
        Assert.Equal(copies, audit.DuplicatePairs.Count);
        Assert.All(audit.DuplicatePairs, p =>
        {
            Assert.StartsWith(Path.GetFileNameWithoutExtension(p.PathA) + "-", p.PathB, StringComparison.Ordinal);
            Assert.InRange(p.Ssim, NearDuplicateBounds.DefaultMinSsim, 1.0);
        });
        Assert.Contains(audit.Warnings, w => w.Code == AuditWarningCodes.NearDuplicatesAcrossSplits);
    }

    [Fact]
    public void Compute_SameImageTwice_HasZeroDistanceAndFullThumbnail()
    {
        // Arrange
        using Image<L8> image = Xray(0);
        byte[] png = TestImages.Png(image);

        // Act
        ImageFingerprint a = ImageFingerprint.Compute(png);
        ImageFingerprint b = ImageFingerprint.Compute(png);

        // Assert
        Assert.Equal(0, a.Hash.DistanceTo(b.Hash));
        Assert.Equal(ImageFingerprint.ThumbnailSize * ImageFingerprint.ThumbnailSize, a.Thumbnail.Length);
        Assert.Equal(CropWindows.All.Count, a.CropHashes.Count);
        Assert.Equal(1.0, StructuralSimilarity.Mean(a.Thumbnail.Span, b.Thumbnail.Span, ImageFingerprint.ThumbnailSize), 12);
    }

    private static Image<L8> Xray(int index)
    {
        SyntheticXray xray = SyntheticXrayGenerator.Generate(Seed, index, Size);
        return Image.LoadPixelData<L8>(xray.Pixels, xray.Width, xray.Height);
    }

    private static IEnumerable<(string Edit, byte[] Bytes)> Copies(Image<L8> image)
    {
        int w = image.Width;
        int h = image.Height;
        yield return ("jpeg75.jpg", TestImages.Jpeg(image, 75));
        using Image<L8> smaller = image.Clone(x => x.Resize(w * 4 / 5, h * 4 / 5));
        yield return ("resized.png", TestImages.Png(smaller));
        using Image<L8> centre = image.Clone(x => x.Crop(new Rectangle(w * 2 / 100, h * 2 / 100, w * 96 / 100, h * 96 / 100)).Resize(w, h));
        yield return ("crop4-centre.png", TestImages.Png(centre));
        using Image<L8> corner = image.Clone(x => x.Crop(new Rectangle(w * 5 / 100, 0, w * 95 / 100, h * 95 / 100)).Resize(w, h));
        yield return ("crop5-corner.png", TestImages.Png(corner));
        using Image<L8> brighter = image.Clone(x => x.Brightness(1.1f));
        yield return ("bright.png", TestImages.Png(brighter));
        using Image<L8> darker = image.Clone(x => x.Brightness(0.9f));
        yield return ("dark.jpg", TestImages.Jpeg(darker, 90));
    }

    private static AuditItem Item(string path, string split, byte[] bytes) =>
        new(path, "normal", split, "synthetic", null, ImageFingerprint.Compute(bytes));
}
