using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Datasets;

public sealed class SyntheticXrayGeneratorTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "synth-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Generate_SameSeedAndIndex_IdenticalPixels()
    {
        // Act
        SyntheticXray first = SyntheticXrayGenerator.Generate(seed: 7, index: 3, size: 96);
        SyntheticXray second = SyntheticXrayGenerator.Generate(seed: 7, index: 3, size: 96);
        SyntheticXray otherSeed = SyntheticXrayGenerator.Generate(seed: 8, index: 3, size: 96);

        // Assert
        Assert.Equal(first.Pixels, second.Pixels);
        Assert.Equal(first.Parameters.ToManifestString(), second.Parameters.ToManifestString());
        Assert.NotEqual(first.Pixels, otherSeed.Pixels);
    }

    [Fact]
    public void Generate_SameIndexEitherLabel_OnlyFindingsDiffer()
    {
        // Act
        SyntheticXray normal = SyntheticXrayGenerator.Generate(11, 5, 128, ClassNames.Normal);
        SyntheticXray covid = SyntheticXrayGenerator.Generate(11, 5, 128, ClassNames.Covid);

        // Assert: anatomy, acquisition, borders and markers are the same draw; only the findings change.
        Assert.Empty(normal.Parameters.Opacities);
        Assert.NotEmpty(covid.Parameters.Opacities);
        Assert.Equal(normal.Parameters with { Label = ClassNames.Covid, Severity = covid.Parameters.Severity, Opacities = covid.Parameters.Opacities }, covid.Parameters);
        Assert.NotEqual(normal.Pixels, covid.Pixels);
    }

    [Fact]
    public void Generate_CovidFindings_BilateralPeripheralLowerZone()
    {
        // Arrange
        int bilateral = 0;
        int lowerZone = 0;
        int peripheral = 0;
        int total = 0;

        for (int index = 1; index < 80; index += 2)
        {
            // Act
            SyntheticXrayParameters p = SyntheticXrayGenerator.Generate(3, index, 32).Parameters;

            // Assert (collect)
            bilateral += p.Opacities.Any(o => o.Side < 0) && p.Opacities.Any(o => o.Side > 0) ? 1 : 0;
            foreach (Opacity o in p.Opacities)
            {
                double dome = p.RightDome + (o.Side > 0 ? p.LeftDomeDrop : 0);
                lowerZone += o.Vertical > dome * 0.55 ? 1 : 0;
                peripheral += o.Lateral > p.MediastinumWidth + ((p.LungWidth - p.MediastinumWidth) * 0.5) ? 1 : 0;
                total++;
            }
        }

        Assert.InRange(bilateral / 40.0, 0.75, 1.0);
        Assert.InRange(lowerZone / (double)total, 0.75, 1.0);
        Assert.InRange(peripheral / (double)total, 0.9, 1.0);
    }

    [Fact]
    public void Generate_CovidVersusSameAnatomy_DifferenceLiesInsideLowerLungs()
    {
        // Arrange
        const int size = 128;
        SyntheticXray normal = SyntheticXrayGenerator.Generate(21, 9, size, ClassNames.Normal);
        SyntheticXray covid = SyntheticXrayGenerator.Generate(21, 9, size, ClassNames.Covid);
        SyntheticXrayParameters p = covid.Parameters;

        // Act: where does the covid image differ from the same patient without findings?
        double weight = 0;
        double weightedRow = 0;
        for (int y = 0; y < p.Height; y++)
        {
            for (int x = 0; x < p.Width; x++)
            {
                int i = (y * p.Width) + x;
                double diff = Math.Max(0, covid.Pixels[i] - normal.Pixels[i] - 6);
                weight += diff;
                weightedRow += diff * y;
            }
        }

        // Assert: the added density sits below the upper third of the lungs.
        Assert.True(weight > 0, "The findings left no trace in the image.");
        double apex = p.ApexY;
        double dome = p.ApexY + (p.RightDome * p.BodyScale);
        Assert.InRange(weightedRow / weight, apex + ((dome - apex) * 0.4), p.Height);
    }

    [Fact]
    public void WriteDataset_SmallCount_BalancedFoldersGrayscalePngsAndManifest()
    {
        // Act
        SyntheticDatasetResult result = SyntheticXrayGenerator.WriteDataset(_directory, count: 9, seed: 5, size: 64);

        // Assert
        Assert.Equal(5, Directory.GetFiles(Path.Combine(_directory, ClassNames.Normal), "*.png").Length);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(_directory, ClassNames.Covid), "*.png").Length);
        IReadOnlyList<DatasetManifestEntry> manifest = DatasetManifest.Read(_directory);
        Assert.Equal(result.Entries, manifest);
        Assert.All(manifest, e =>
        {
            Assert.StartsWith(e.Label + "/", e.File, StringComparison.Ordinal);
            Assert.Equal(SyntheticXrayGenerator.Source, e.Source);
            Assert.Contains("severity=", e.Parameters, StringComparison.Ordinal);
            IImageInfo info = Image.Identify(Path.Combine(_directory, e.File));
            Assert.Equal(8, info.PixelType.BitsPerPixel);
        });
        Assert.Equal(manifest.Count, manifest.Select(e => e.PatientId).Distinct().Count());
        using Image<L8> first = Image.Load<L8>(Path.Combine(_directory, manifest[0].File));
        Assert.InRange(first.Width, 48, 80);
    }

    [Fact]
    public void Generate_SizeOutOfRange_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticXrayGenerator.Generate(1, 0, 8));
    }
}
