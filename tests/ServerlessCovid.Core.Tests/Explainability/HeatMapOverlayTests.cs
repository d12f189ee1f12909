using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Explainability;

public sealed class HeatMapOverlayTests
{
    private const int Cells = 8;

    [Fact]
    public void Render_GreyImageAndMap_DecodesAsRgbPngAtStatedSize()
    {
        // Arrange
        float[] tensor = Grey(0.5f);

        // Act
        byte[] png = HeatMapOverlay.Render(tensor, HotCorner());

        // Assert
        using Image<Rgb24> image = Image.Load<Rgb24>(png);
        Assert.Equal((HeatMapOverlay.Width, HeatMapOverlay.Height), (image.Width, image.Height));
        Assert.Equal((288, 256), (image.Width, image.Height));
        PngMetadata metadata = image.Metadata.GetPngMetadata();
        Assert.Contains(metadata.TextData, t => t.Keyword == "CamMax" && t.Value == "5");
        Assert.Contains(metadata.TextData, t => t.Keyword == "CamGrid" && t.Value == "8x8");
    }

    [Fact]
    public void Render_AnyMap_DrawsViridisColourBarFromLowAtBottomToHighAtTop()
    {
        // Arrange
        float[] tensor = Grey(0.5f);

        // Act
        using Image<Rgb24> image = Image.Load<Rgb24>(HeatMapOverlay.Render(tensor, HotCorner()));

        // Assert: viridis' yellow at the top of the bar, its dark violet at the bottom, black around it.
        int x = HeatMapOverlay.BarLeft + (HeatMapOverlay.BarWidth / 2);
        AssertColour(Viridis.At(1f), image[x, HeatMapOverlay.BarMargin]);
        AssertColour(Viridis.At(0f), image[x, HeatMapOverlay.Height - HeatMapOverlay.BarMargin - 1]);
        Assert.Equal(new Rgb24(0, 0, 0), image[HeatMapOverlay.ImageSize + 2, HeatMapOverlay.Height / 2]);
        Assert.True(image[x, HeatMapOverlay.BarMargin].R > 240 && image[x, HeatMapOverlay.Height - HeatMapOverlay.BarMargin - 1].R < 80);
    }

    [Fact]
    public void Render_HotTopLeftCell_BlendsHighColourThereAndLowColourFarAway()
    {
        // Arrange: a uniform grey image, so any colour difference comes from the map alone.
        float[] tensor = Grey(0.5f);

        // Act
        using Image<Rgb24> image = Image.Load<Rgb24>(HeatMapOverlay.Render(tensor, HotCorner()));

        // Assert: the hot cell's centre pixel is grey blended with viridis(1); a far cell's with viridis(0).
        AssertColour(Blend(0.5f, Viridis.At(1f)), image[15, 15]);
        AssertColour(Blend(0.5f, Viridis.At(0f)), image[240, 240]);
    }

    [Fact]
    public void Render_ImageBytes_UsesThePreprocessedImage()
    {
        // Arrange: a 64×48 white image stretches to a white 256×256 input.
        using Image<Rgb24> source = new(64, 48, new Rgb24(255, 255, 255));
        using MemoryStream stream = new();
        source.SaveAsPng(stream);

        // Act
        using Image<Rgb24> image = Image.Load<Rgb24>(HeatMapOverlay.Render(stream.ToArray(), HotCorner(), XrayPreprocessor.Default));

        // Assert
        Assert.Equal((HeatMapOverlay.Width, HeatMapOverlay.Height), (image.Width, image.Height));
        AssertColour(Blend(1f, Viridis.At(0f)), image[240, 240]);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Render_NonFiniteMap_ThrowsArgumentException(float bad)
    {
        // Arrange
        float[] values = new float[Cells * Cells];
        values[3] = bad;

        // Act / Assert
        ArgumentException error = Assert.Throws<ArgumentException>(() => HeatMapOverlay.Render(Grey(0.5f), new ActivationMap(Cells, Cells, values)));
        Assert.Contains("NaN or infinite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MapWithWrongValueCount_ThrowsArgumentException()
    {
        // Act / Assert
        Assert.Throws<ArgumentException>(() => HeatMapOverlay.Render(Grey(0.5f), new ActivationMap(Cells, Cells, new float[10])));
    }

    [Fact]
    public void Normalise_FlatMap_IsAllZerosNotNaN()
    {
        // Act
        float[] normalised = HeatMapOverlay.Normalise([2f, 2f, 2f, 2f]);

        // Assert
        Assert.All(normalised, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Upsample_TwoCellsWide_InterpolatesBetweenCellCentresAndClampsAtEdges()
    {
        // Arrange: 2×1 grid [0, 1] to 4 pixels: centres of cells at pixels 0.5 and 2.5 (align_corners=False).
        float[] grid = [0f, 1f];

        // Act
        float[] row = HeatMapOverlay.Upsample(grid, 2, 1, 4)[..4];

        // Assert
        Assert.Equal([0f, 0.25f, 0.75f, 1f], row);
    }

    [Fact]
    public void Viridis_Ends_MatchMatplotlibTable()
    {
        // Act / Assert: first and last entries of matplotlib's _viridis_data.
        (float r0, float g0, float b0) = Viridis.At(0f);
        (float r1, float g1, float b1) = Viridis.At(1f);
        Assert.Equal([0.267004f, 0.004874f, 0.329415f], [r0, g0, b0], (a, b) => Math.Abs(a - b) < 1e-6f);
        Assert.Equal([0.993248f, 0.906157f, 0.143936f], [r1, g1, b1], (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void ActivationMapJson_RoundTrip_KeepsEveryValueCompactly()
    {
        // Arrange
        ActivationMap map = new(Cells, Cells, [.. Enumerable.Range(0, Cells * Cells).Select(i => (i * 0.37f) - 11.1f)]);

        // Act
        string json = ActivationMapJson.Serialize(map);
        ActivationMap parsed = ActivationMapJson.Parse(json)!;

        // Assert
        Assert.StartsWith("{\"width\":8,\"height\":8,\"values\":[", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", json, StringComparison.Ordinal);
        Assert.True(json.Length < 1024, $"{json.Length} characters");
        Assert.Equal(map.Values, parsed.Values);
        Assert.Null(ActivationMapJson.Parse(null));
        Assert.Throws<InvalidDataException>(() => ActivationMapJson.Parse("{\"width\":8,\"height\":8,\"values\":[1]}"));
    }

    private static ActivationMap HotCorner()
    {
        float[] values = new float[Cells * Cells];
        Array.Fill(values, -3f);
        values[0] = 5f;
        return new ActivationMap(Cells, Cells, values);
    }

    private static float[] Grey(float value)
    {
        float[] tensor = new float[XrayPreprocessor.TensorLength];
        Array.Fill(tensor, value);
        return tensor;
    }

    private static (float R, float G, float B) Blend(float grey, (float R, float G, float B) colour) =>
        (((1 - HeatMapOverlay.Opacity) * grey) + (HeatMapOverlay.Opacity * colour.R),
            ((1 - HeatMapOverlay.Opacity) * grey) + (HeatMapOverlay.Opacity * colour.G),
            ((1 - HeatMapOverlay.Opacity) * grey) + (HeatMapOverlay.Opacity * colour.B));

    private static void AssertColour((float R, float G, float B) expected, Rgb24 actual)
    {
        Assert.InRange(actual.R, (expected.R * 255) - 1.01f, (expected.R * 255) + 1.01f);
        Assert.InRange(actual.G, (expected.G * 255) - 1.01f, (expected.G * 255) + 1.01f);
        Assert.InRange(actual.B, (expected.B * 255) - 1.01f, (expected.B * 255) + 1.01f);
    }
}
