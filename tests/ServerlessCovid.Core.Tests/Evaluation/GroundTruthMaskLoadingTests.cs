using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Evaluation;

public sealed class GroundTruthMaskLoadingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mask-loading-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadFromManifest_SyntheticSet_CovidImagesGetMasksNormalsNone()
    {
        // Arrange
        SyntheticDatasetResult set = SyntheticXrayGenerator.WriteDataset(_directory, count: 4, seed: 5, size: 64);
        string[] paths = [.. set.Entries.Select(e => Path.Combine(_directory, e.File))];

        // Act
        IReadOnlyList<GroundTruthMasks?> masks = GroundTruthMasks.LoadFromManifest(_directory, paths, [.. paths.Select(SizeOf)]);

        // Assert
        for (int i = 0; i < paths.Length; i++)
        {
            Assert.Equal(set.Entries[i].Label == ClassNames.Covid, masks[i] is not null);
        }

        GroundTruthMasks covid = masks.First(m => m is not null)!;
        Assert.InRange(covid.LesionFractionOfLung!.Value, 1e-6, 1);
        Assert.Equal(covid.Lesion.Count, covid.LesionPixelsInLung);
    }

    [Fact]
    public void LoadFromManifest_ImageOfAnotherSize_ThrowsSizeMismatch()
    {
        // Arrange
        SyntheticDatasetResult set = SyntheticXrayGenerator.WriteDataset(_directory, count: 2, seed: 5, size: 64);
        string[] paths = [.. set.Entries.Select(e => Path.Combine(_directory, e.File))];

        // Act
        MaskInputException error = Assert.Throws<MaskInputException>(
            () => GroundTruthMasks.LoadFromManifest(_directory, paths, [.. paths.Select(_ => (1000, 1000))]));

        // Assert
        Assert.Equal(MaskErrorCodes.SizeMismatch, error.Code);
    }

    [Fact]
    public void LoadFromManifest_ManifestWithoutMasks_Empty()
    {
        // Arrange
        DatasetManifest.Write(_directory, [new DatasetManifestEntry("covid/a.png", ClassNames.Covid, "s", "a", string.Empty, string.Empty)]);

        // Act
        IReadOnlyList<GroundTruthMasks?> masks = GroundTruthMasks.LoadFromManifest(_directory, [Path.Combine(_directory, "covid/a.png")]);

        // Assert
        Assert.Empty(masks);
    }

    [Theory]
    [InlineData(".masks/lesion/gone.png", MaskErrorCodes.Missing)]
    [InlineData("../outside.png", MaskErrorCodes.OutsideDataset)]
    [InlineData("manifest.csv", MaskErrorCodes.Unreadable)]
    public void LoadFromManifest_BadLesionMask_ThrowsTypedError(string lesionMask, string code)
    {
        // Arrange
        DatasetManifest.Write(_directory,
            [new DatasetManifestEntry("covid/a.png", ClassNames.Covid, "s", "a", string.Empty, string.Empty, lesionMask, lesionMask)]);

        // Act
        MaskInputException error = Assert.Throws<MaskInputException>(
            () => GroundTruthMasks.LoadFromManifest(_directory, [Path.Combine(_directory, "covid/a.png")]));

        // Assert
        Assert.Equal(code, error.Code);
        Assert.Contains(lesionMask.Split('/')[^1], error.Message, StringComparison.Ordinal);
    }

    private static (int Width, int Height) SizeOf(string path)
    {
        using SixLabors.ImageSharp.Image image = SixLabors.ImageSharp.Image.Load(path);
        return (image.Width, image.Height);
    }
}
