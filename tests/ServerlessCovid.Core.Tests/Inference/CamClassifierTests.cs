using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Tests.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Inference;

/// <summary>The classifier's class activation maps, over a graph whose maps are known in closed form.</summary>
public sealed class CamClassifierTests
{
    private const float Scale = 3f;
    private const int Cells = 8;
    private const int Block = Preprocessing.Size / Cells;

    [Fact]
    public async Task ScoreAsync_ModelWithCamOutput_ReturnsPositiveMinusOtherClassMap()
    {
        // Arrange: red fills the top three block rows and the left half below them, so the map is not uniform.
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.PackageWithCam("cam", Scale));
        byte[] image = RedWhere((x, y) => y < 3 * Block || x < Preprocessing.Size / 2);

        // Act
        TriagePrediction prediction = await classifier.ScoreAsync(image);

        // Assert
        ActivationMap map = Assert.IsType<ActivationMap>(prediction.ActivationMap);
        Assert.Equal((Cells, Cells), (map.Width, map.Height));
        AssertClose(ExpectedPositiveMap(image), map.Values);
        Assert.True(map.Values[0] > map.Values[^1], "the all-red top-left block must outscore the half-green bottom-right one");

        // The map explains the score on its own: its mean is the covid log-odds.
        Assert.Equal(1 / (1 + Math.Exp(-map.Values.Average())), prediction.Probabilities[ClassNames.Covid], 4);
    }

    [Fact]
    public async Task ScoreBatchAsync_ModelWithCamOutput_EachImageGetsItsOwnMap()
    {
        // Arrange: mirror images in one Run, so a wrong row offset would swap or repeat their maps.
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.PackageWithCam("cam", Scale));
        byte[] left = RedWhere((x, _) => x < Preprocessing.Size / 4);
        byte[] right = RedWhere((x, _) => x >= 3 * Preprocessing.Size / 4);

        // Act
        IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync([left, right]);

        // Assert
        AssertClose(ExpectedPositiveMap(left), results[0].Prediction!.ActivationMap!.Values);
        AssertClose(ExpectedPositiveMap(right), results[1].Prediction!.ActivationMap!.Values);
    }

    [Fact]
    public async Task ScoreAsync_PackageWithoutCamOutput_ServesWithNullMap()
    {
        // Arrange: the graph every package had before the cam output existed.
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.Package("old"));

        // Act
        TriagePrediction prediction = await classifier.ScoreAsync(TestModels.SolidPng(255, 0, 0));

        // Assert
        Assert.Null(prediction.ActivationMap);
        Assert.Equal(TestModels.RedProbability(10), prediction.Probabilities[ClassNames.Covid], 5);
    }

    private static byte[] RedWhere(Func<int, int, bool> red)
    {
        using Image<Rgb24> image = new(Preprocessing.Size, Preprocessing.Size);
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                image[x, y] = red(x, y) ? new Rgb24(255, 0, 0) : new Rgb24(0, 255, 0);
            }
        }

        return TestImages.Encode(image, new PngEncoder());
    }

    /// <summary>
    /// The graph's class-0 map minus its class-1 map, derived from the preprocessed tensor: scale × each 32×32 block's
    /// mean red minus its mean green.
    /// </summary>
    private static float[] ExpectedPositiveMap(byte[] image) =>
        [.. BlockMeans(image, channel: 0).Zip(BlockMeans(image, channel: 1), (red, green) => (float)((red - green) * Scale))];

    private static double[] BlockMeans(byte[] image, int channel)
    {
        float[] tensor = XrayPreprocessor.Default.LoadTensor(image);
        int plane = channel * Preprocessing.Size * Preprocessing.Size;
        double[] means = new double[Cells * Cells];
        for (int y = 0; y < Preprocessing.Size; y++)
        {
            for (int x = 0; x < Preprocessing.Size; x++)
            {
                means[((y / Block) * Cells) + (x / Block)] += tensor[plane + (y * Preprocessing.Size) + x] / (double)(Block * Block);
            }
        }

        return means;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4, $"cell {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
