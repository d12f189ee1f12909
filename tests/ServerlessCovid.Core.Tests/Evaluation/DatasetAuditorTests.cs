using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Tests.Evaluation;

public class DatasetAuditorTests
{
    [Fact]
    public void Compute_ReencodedAndResizedCopy_IsWithinNearDuplicateDistance()
    {
        // Arrange
        using Image<L8> original = TestImages.Pattern(128, 0.3, 0.6);
        using Image<L8> smaller = original.Clone(x => x.Resize(96, 96));

        // Act
        ImageFingerprint a = ImageFingerprint.Compute(TestImages.Png(original));
        ImageFingerprint b = ImageFingerprint.Compute(TestImages.Jpeg(smaller, 80));

        // Assert
        Assert.NotEqual(a.ContentSha256, b.ContentSha256);
        Assert.InRange(a.Hash.DistanceTo(b.Hash), 0, NearDuplicateBounds.DefaultMaxHashDistance);
        Assert.InRange(StructuralSimilarity.Mean(a.Thumbnail.Span, b.Thumbnail.Span, ImageFingerprint.ThumbnailSize),
            NearDuplicateBounds.DefaultMinSsim, 1.0);
    }

    [Fact]
    public void Compute_DifferentImage_IsFarApart()
    {
        // Arrange
        using Image<L8> first = TestImages.Pattern(128, 0.3, 0.6);
        using Image<L8> other = TestImages.Pattern(128, 0.3, 0.6, mirrored: true);

        // Act
        ImageFingerprint a = ImageFingerprint.Compute(TestImages.Png(first));
        ImageFingerprint b = ImageFingerprint.Compute(TestImages.Png(other));

        // Assert
        Assert.True(a.Hash.DistanceTo(b.Hash) > NearDuplicateBounds.DefaultMaxHashDistance);
    }

    [Fact]
    public void Audit_SameHashButDifferentPixels_CheckedButNotFlagged()
    {
        // Arrange: the 64-bit dHash's failure: identical hashes, visibly different images.
        AuditItem[] items =
        [
            Item("c.png", "covid", "train", null, null, 0x0F, look: 1),
            Item("n.png", "normal", "validation", null, null, 0x0F, look: 2),
        ];

        // Act
        DatasetAudit audit = DatasetAuditor.Audit(items);

        // Assert
        Assert.Equal(1, audit.NearDuplicateCandidatePairs);
        Assert.Equal(0, audit.NearDuplicatePairs);
        Assert.Empty(audit.DuplicatePairs);
        Assert.DoesNotContain(audit.Warnings, w => w.Code == AuditWarningCodes.NearDuplicatesAcrossSplits);
    }

    [Fact]
    public void Compute_NotAnImage_ThrowsImageRejected()
    {
        // Act
        ImageRejectedException ex = Assert.Throws<ImageRejectedException>(() => ImageFingerprint.Compute("not an image"u8));

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, ex.Code);
    }

    [Fact]
    public void Compute_HugeDeclaredCanvas_RejectedBeforeDecoding()
    {
        // Arrange: a 45-byte PNG that declares 20000×20000 pixels.
        byte[] png = TestImages.PngHeaderOnly(20_000, 20_000);

        // Act
        ImageRejectedException ex = Assert.Throws<ImageRejectedException>(() => ImageFingerprint.Compute(png));

        // Assert
        Assert.Equal(ImageErrorCodes.DimensionsOutOfRange, ex.Code);
    }

    [Fact]
    public void Audit_EachClassFromOwnSource_WarnsAboutShortcut()
    {
        // Arrange: the paper's construction: COVID from Cohen, normals from the pediatric Kermany set.
        AuditItem[] items =
        [
            Item("c1.png", "covid", "train", "cohen", "p1", 0x0F),
            Item("c2.png", "covid", "validation", "cohen", "p2", 0xF0),
            Item("n1.png", "normal", "train", "kermany-pediatric", "p3", 0xFF00),
            Item("n2.png", "normal", "validation", "kermany-pediatric", "p4", 0xFF0000),
        ];

        // Act
        DatasetAudit audit = DatasetAuditor.Audit(items);

        // Assert
        AuditWarning warning = Assert.Single(audit.Warnings);
        Assert.Equal(AuditWarningCodes.ClassSourceConfounding, warning.Code);
        Assert.Contains("covid: cohen", warning.Message, StringComparison.Ordinal);
        Assert.Contains("normal: kermany-pediatric", warning.Message, StringComparison.Ordinal);
        Assert.Equal(2, audit.CountsBySourceAndClass.Count);
        Assert.Equal(["train", "validation"], audit.Splits);
        Assert.Equal(4, audit.CountsBySplitAndClass.Count);
        Assert.All(audit.CountsBySplitAndClass, c => Assert.Equal(1, c.Count));
    }

    [Fact]
    public void Audit_SharedSource_NoShortcutWarning()
    {
        // Arrange
        AuditItem[] items =
        [
            Item("c1.png", "covid", "train", "hospital-a", "p1", 0x0F),
            Item("n1.png", "normal", "validation", "hospital-a", "p2", 0xF0),
            Item("n2.png", "normal", "train", "hospital-b", "p3", 0xFF00),
        ];

        // Act
        DatasetAudit audit = DatasetAuditor.Audit(items);

        // Assert
        Assert.Empty(audit.Warnings);
    }

    [Fact]
    public void Audit_PatientInBothSplits_WarnsAboutLeakage()
    {
        // Arrange
        AuditItem[] items =
        [
            Item("a.png", "covid", "train", "s", "patient-7", 0x0F),
            Item("b.png", "covid", "validation", "s", "patient-7", 0xF0F0F0),
            Item("c.png", "normal", "validation", "s", "patient-8", 0xFF00FF00),
        ];

        // Act
        DatasetAudit audit = DatasetAuditor.Audit(items);

        // Assert
        GroupLeak leak = Assert.Single(audit.GroupLeaks);
        Assert.Equal("patient-7", leak.Group);
        Assert.Equal(["train", "validation"], leak.Splits);
        Assert.Contains(audit.Warnings, w => w.Code == AuditWarningCodes.GroupLeakage);
    }

    [Fact]
    public void Audit_DuplicatesAcrossSplits_CountsExactAndNearButNotWithinSplit()
    {
        // Arrange: a/b identical across splits; c within 2 bits of a across splits; d identical to a in the same split.
        AuditItem[] items =
        [
            Item("a.png", "covid", "train", null, null, 0b1010_0000, sha: "aa"),
            Item("b.png", "covid", "validation", null, null, 0b1010_0000, sha: "aa"),
            Item("c.png", "normal", "validation", null, null, 0b1010_0011, sha: "cc", look: 0b1010_0000),
            Item("d.png", "covid", "train", null, null, 0b1010_0000, sha: "aa"),
        ];

        // Act
        DatasetAudit audit = DatasetAuditor.Audit(items, new NearDuplicateBounds(MaxHashDistance: 2, MinSsim: 0.9));

        // Assert: exact a–b, d–b; near a–c, d–c.
        Assert.Equal(2, audit.ExactDuplicatePairs);
        Assert.Equal(2, audit.NearDuplicatePairs);
        Assert.DoesNotContain(audit.DuplicatePairs, p => p.SplitA == p.SplitB);
        Assert.Contains(audit.Warnings, w => w.Code == AuditWarningCodes.DuplicatesAcrossSplits);
        Assert.Contains(audit.Warnings, w => w.Code == AuditWarningCodes.NearDuplicatesAcrossSplits);
        Assert.Contains(audit.Warnings, w => w.Code == AuditWarningCodes.NoSourceInformation);
        Assert.Contains(audit.Warnings, w => w.Code == AuditWarningCodes.NoGroupInformation);
    }

    /// <summary>
    /// An item with a hand-made hash. Its thumbnail is noise seeded by <paramref name="look"/> (default: the hash), so items
    /// that should look alike share a seed and any others have SSIM near 0.
    /// </summary>
    private static AuditItem Item(
        string path, string label, string split, string? source, string? group, ulong hash, string? sha = null, int? look = null)
    {
        byte[] thumbnail = new byte[ImageFingerprint.ThumbnailSize * ImageFingerprint.ThumbnailSize];
        new Random(look ?? (int)hash).NextBytes(thumbnail);
        return new(path, label, split, source, group, new ImageFingerprint(sha ?? path, new PerceptualHash(hash, 0, 0, 0), thumbnail, []));
    }
}
