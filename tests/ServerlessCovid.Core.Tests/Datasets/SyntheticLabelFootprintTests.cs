using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Datasets;

/// <summary>
/// Can a model tell the classes apart anywhere but on the lesions? The same anatomy rendered both ways must differ,
/// outside the lesion mask, by no more than the automatic exposure's small global shift (it renormalises mean and
/// spread after the opacities brighten the lungs), which is a fraction of the exposure spread drawn for every image.
/// </summary>
public sealed class SyntheticLabelFootprintTests
{
    /// <summary>Exposure targets are drawn from 0.40–0.55 for both classes: ±19 grey levels around their middle.</summary>
    private const double ExposureHalfRangeGreyLevels = 0.075 * 255;

    [Theory]
    [InlineData(7, 1)]
    [InlineData(7, 3)]
    [InlineData(11, 5)]
    public void Generate_CovidAndNormalOfSameAnatomy_DifferOutsideLesionsOnlyBySmallUniformExposureShift(int seed, int index)
    {
        // Arrange
        SyntheticXray covid = SyntheticXrayGenerator.Generate(seed, index, 128, ClassNames.Covid);
        SyntheticXray normal = SyntheticXrayGenerator.Generate(seed, index, 128, ClassNames.Normal);

        // Act
        List<int> outside = [];
        List<int> inside = [];
        for (int i = 0; i < covid.Pixels.Length; i++)
        {
            (covid.LesionMask![i] != 0 ? inside : outside).Add(covid.Pixels[i] - normal.Pixels[i]);
        }

        double outsideMean = outside.Average();
        double outsideSpread = outside.Average(d => Math.Abs(d - outsideMean));

        // Assert: outside the lesions, a shift of a few grey levels, nearly the same everywhere (no structure a
        // model could find: no marker, border or anatomy changes with the label); inside, the findings themselves.
        Assert.InRange(outside.Max(Math.Abs), 0, 8);
        Assert.True(Math.Abs(outsideMean) < ExposureHalfRangeGreyLevels / 3, $"outside shift {outsideMean:F2} grey levels");
        Assert.True(outsideSpread < 2, $"outside differences vary by {outsideSpread:F2} grey levels around their mean");
        Assert.True(inside.Average() > 3 * Math.Abs(outsideMean) && inside.Average() > 10,
            $"lesions brighten by {inside.Average():F1} grey levels against {outsideMean:F2} outside");
    }
}
