using ServerlessCovid.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

public sealed class RgbPngWriterTests
{
    [Fact]
    public void Encode_PseudoRandomPixels_DecodesToTheSamePixelsAndText()
    {
        // Arrange: odd sizes and values that wrap around under the Up filter.
        const int width = 37;
        const int height = 23;
        byte[] rgb = new byte[width * height * 3];
        new Random(5).NextBytes(rgb);

        // Act
        byte[] png = RgbPngWriter.Encode(rgb, width, height, [new("CamGrid", "8x8"), new("Description", "évidence, not a diagnosis")]);

        // Assert
        using Image<Rgb24> image = Image.Load<Rgb24>(png);
        Assert.Equal((width, height), (image.Width, image.Height));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int o = ((y * width) + x) * 3;
                Assert.Equal(new Rgb24(rgb[o], rgb[o + 1], rgb[o + 2]), image[x, y]);
            }
        }

        PngMetadata metadata = image.Metadata.GetPngMetadata();
        Assert.Contains(metadata.TextData, t => t.Keyword == "CamGrid" && t.Value == "8x8");
        Assert.Contains(metadata.TextData, t => t.Keyword == "Description" && t.Value == "évidence, not a diagnosis");
    }

    [Fact]
    public void Encode_PixelCountDoesNotMatchSize_ThrowsArgumentException()
    {
        // Act / Assert
        Assert.Throws<ArgumentException>(() => RgbPngWriter.Encode(new byte[10], 2, 2, []));
    }

    [Fact]
    public void Encode_KeywordOutsideLatin1_ThrowsArgumentException()
    {
        // Act / Assert
        Assert.Throws<ArgumentException>(() => RgbPngWriter.Encode(new byte[3], 1, 1, [new("Grid→", "x")]));
    }
}
