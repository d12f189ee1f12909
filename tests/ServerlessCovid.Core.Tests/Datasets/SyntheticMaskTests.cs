using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Datasets;

public sealed class SyntheticMaskTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "synth-masks-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(7, 1)]
    [InlineData(7, 3)]
    [InlineData(21, 5)]
    [InlineData(21, 9)]
    public void Generate_Unilateral_EveryOpacityAndTheLesionMaskInOneLungWithAnatomyAndSeverityUnchanged(int seed, int index)
    {
        // Arrange
        SyntheticXray usual = SyntheticXrayGenerator.Generate(seed, index, 128, ClassNames.Covid);

        // Act
        SyntheticXray oneLung = SyntheticXrayGenerator.Generate(seed, index, 128, ClassNames.Covid, unilateral: true);
        GroundTruthMasks masks = GroundTruthMasks.From(Mask(oneLung, oneLung.LesionMask!), Mask(oneLung, oneLung.LungMask));

        // Assert
        Assert.Single(oneLung.Parameters.Opacities.Select(o => o.Side).Distinct());
        Assert.Equal(usual.Parameters.Opacities[0].Side, oneLung.Parameters.Opacities[0].Side);
        Assert.Equal(usual.Parameters.Opacities.Count, oneLung.Parameters.Opacities.Count);
        Assert.Equal(usual.Parameters.Severity, oneLung.Parameters.Severity);
        Assert.Equal(usual.LungMask, oneLung.LungMask);
        int lesionLeft = Enumerable.Range(0, oneLung.LesionMask!.Length)
            .Count(i => oneLung.LesionMask[i] != 0 && i % oneLung.Width < masks.LungMidline!.Value);
        int lesionPixels = oneLung.LesionMask.Count(v => v != 0);
        bool imageLeft = oneLung.Parameters.Opacities[0].Side < 0;
        Assert.True(lesionPixels > 0);
        Assert.Equal(imageLeft ? lesionPixels : 0, lesionLeft);
    }

    [Theory]
    [InlineData(7, 1, 128)]
    [InlineData(7, 3, 160)]
    [InlineData(21, 5, 128)]
    [InlineData(21, 9, 96)]
    public void RenderDensity_CovidAndNormalOfSameAnatomy_DifferOnlyInsideLesionMask(int seed, int index, int size)
    {
        // Arrange: the density before exposure, because exposure is global and would change every pixel.
        (float[] normal, _, _) = RenderDensity(seed, index, size, ClassNames.Normal);
        (float[] covid, RenderedGeometry geometry, SyntheticXrayParameters p) = RenderDensity(seed, index, size, ClassNames.Covid);
        int width = p.Width;

        // Act
        byte[] lesion = geometry.LesionMask(p.Width, p.Height);
        byte[] lung = geometry.LungMask(p.Width, p.Height);

        // Assert
        int differing = 0, differingInLesion = 0, lesionPixels = 0;
        for (int i = 0; i < covid.Length; i++)
        {
            bool differs = covid[i] != normal[i];
            Assert.False(differs && lesion[i] == 0, $"pixel {i % width},{i / width} changed outside the lesion mask");
            Assert.False(lesion[i] != 0 && lung[i] == 0, $"lesion pixel {i % width},{i / width} lies outside the lung mask");
            differing += differs ? 1 : 0;
            lesionPixels += lesion[i] != 0 ? 1 : 0;
            differingInLesion += differs && lesion[i] != 0 ? 1 : 0;
        }

        // A mask as large as the lungs would pass the containment checks: most of its pixels must really change.
        Assert.True(differing > 0, "the covid rendering has no visible findings");
        Assert.True(differingInLesion >= 0.8 * lesionPixels, $"only {differingInLesion} of {lesionPixels} lesion-mask pixels changed");
        Assert.True(lesionPixels < 0.5 * lung.Count(b => b != 0), "the lesion mask covers most of the lungs");
    }

    [Fact]
    public void Generate_EitherLabel_LungMaskFromAnatomyAndLesionMaskOnlyForCovid()
    {
        // Act
        SyntheticXray normal = SyntheticXrayGenerator.Generate(11, 5, 96, ClassNames.Normal);
        SyntheticXray covid = SyntheticXrayGenerator.Generate(11, 5, 96, ClassNames.Covid);

        // Assert: anatomy does not depend on the label, so neither does the lung mask.
        Assert.Null(normal.LesionMask);
        Assert.Equal(normal.LungMask, covid.LungMask);
        Assert.Equal(covid.Width * covid.Height, covid.LungMask.Length);
        Assert.Contains(covid.LesionMask!, b => b == 255);
        Assert.All(covid.LungMask, b => Assert.True(b is 0 or 255));
    }

    [Fact]
    public void WriteDataset_SmallSet_WritesMasksAtImageSizeNamedInManifest()
    {
        // Act
        SyntheticXrayGenerator.WriteDataset(_directory, count: 4, seed: 3, size: 64);

        // Assert
        IReadOnlyList<DatasetManifestEntry> entries = DatasetManifest.Read(_directory);
        Assert.Equal(4, entries.Count);
        foreach (DatasetManifestEntry entry in entries)
        {
            Assert.StartsWith(SyntheticXrayGenerator.MaskFolder + "/lung/", entry.LungMask, StringComparison.Ordinal);
            (int Width, int Height) size = SizeOf(Path.Combine(_directory, entry.File));
            Assert.Equal(size, SizeOf(Path.Combine(_directory, entry.LungMask)));
            if (entry.Label == ClassNames.Covid)
            {
                Assert.StartsWith(SyntheticXrayGenerator.MaskFolder + "/lesion/", entry.LesionMask, StringComparison.Ordinal);
                Assert.Equal(size, SizeOf(Path.Combine(_directory, entry.LesionMask)));
            }
            else
            {
                Assert.Equal(string.Empty, entry.LesionMask);
            }
        }
    }

    private static (float[] Density, RenderedGeometry Geometry, SyntheticXrayParameters Parameters) RenderDensity(int seed, int index, int size, string label)
    {
        DeterministicRandom rng = DeterministicRandom.ForImage(seed, index);
        SyntheticXrayParameters parameters = SyntheticXrayParameters.Sample(ref rng, label, size);
        DeterministicRandom renderRng = DeterministicRandom.ForImage(seed, index, stream: 1);
        float[] density = XrayRenderer.RenderDensity(parameters, ref renderRng, out RenderedGeometry geometry);
        return (density, geometry, parameters);
    }

    private static (int Width, int Height) SizeOf(string path)
    {
        using Image<L8> image = Image.Load<L8>(path);
        return (image.Width, image.Height);
    }

    private static BinaryMask Mask(SyntheticXray xray, byte[] pixels) =>
        new(xray.Width, xray.Height, [.. pixels.Select(v => v != 0)]);
}
