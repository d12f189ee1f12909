using System.Security.Cryptography;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Tests.Imaging;

public sealed class XrayPreprocessorTests
{
    private const int Size = Preprocessing.Size;
    private const int Plane = Size * Size;
    private const float OneGreyLevel = 1f / 255f;

    [Fact]
    public void LoadTensor_PureRed512x300_ChannelZeroOnesOtherChannelsZero()
    {
        // Arrange
        using Image<Rgb24> red = new(512, 300, new Rgb24(255, 0, 0));
        byte[] png = TestImages.Encode(red, new PngEncoder());
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(png, tensor);

        // Assert: shape 1×3×256×256, red plane all 1, green and blue all 0, with no resampling residue.
        Assert.Equal(3 * 256 * 256, tensor.Length);
        Assert.All(tensor[..Plane], v => Assert.Equal(1f, v, 6));
        Assert.All(tensor[Plane..], v => Assert.Equal(0f, v));
        Assert.Equal(new ServerlessCovid.Core.Inference.ImageInfo("png", 512, 300, png.Length, Convert.ToHexStringLower(SHA256.HashData(png))), result.Image);
        Assert.False(result.Grayscale);
    }

    [Fact]
    public void LoadTensor_HorizontalGradient_ResizesToExpectedMonotoneRamp()
    {
        // Arrange: value = x on a 0..255 ramp, 256 → 256 would be identity, so use 1024 wide to force a 4× downscale.
        using Image<L8> gradient = new(1024, 64);
        gradient.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<L8> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    row[x] = new L8((byte)(x / 4));
                }
            }
        });
        byte[] png = TestImages.Encode(gradient, new PngEncoder());
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        XrayPreprocessor.Default.LoadTensor(png, tensor);

        // Assert: every row is the same strictly increasing ramp. Away from the clipped edges output x is centred
        // on source pixels 4x..4x+3 (all holding x) and its triangle weights over the neighbours x−1 and x+1 are
        // symmetric, so it is exactly x / 255.
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < Size; y++)
            {
                ReadOnlySpan<float> row = tensor.AsSpan((c * Plane) + (y * Size), Size);
                for (int x = 1; x < Size; x++)
                {
                    Assert.True(row[x] > row[x - 1], $"channel {c} row {y}: {row[x]} after {row[x - 1]} at x={x}");
                }

                for (int x = 2; x < Size - 2; x++)
                {
                    Assert.Equal(x / 255f, row[x], 5);
                }
            }
        }
    }

    [Fact]
    public void LoadTensor_GreyscalePng_MatchesImageSharpRgbTriangleResizeWithinOneGreyLevel()
    {
        // Arrange: the naive reference path decodes to RGB and resizes with ImageSharp's own triangle filter.
        using Image<L8> texture = TestImages.GreyTexture(1024, 1024);
        byte[] png = TestImages.Encode(texture, new PngEncoder { ColorType = PngColorType.Grayscale });
        float[] reference = ImageSharpReference(png);
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(png, tensor);

        // Assert
        Assert.True(result.Grayscale);
        float worst = MaxDifference(tensor, reference);
        Assert.True(worst <= OneGreyLevel, $"max difference {worst * 255:F3} grey levels");
    }

    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(700, 333)]
    [InlineData(100, 180)]
    public void LoadTensor_GreyscaleFastPath_EqualsRgbPathOnSamePixels(int width, int height)
    {
        // Arrange: the same grey pixels stored once as a one-channel PNG and once as an RGB PNG.
        using Image<L8> texture = TestImages.GreyTexture(width, height, seed: width);
        byte[] greyPng = TestImages.Encode(texture, new PngEncoder { ColorType = PngColorType.Grayscale });
        using Image<Rgb24> rgb = texture.CloneAs<Rgb24>();
        byte[] rgbPng = TestImages.Encode(rgb, new PngEncoder { ColorType = PngColorType.Rgb });
        float[] fast = new float[Preprocessing.ValuesPerImage];
        float[] full = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage fastResult = XrayPreprocessor.Default.LoadTensor(greyPng, fast);
        PreprocessedImage fullResult = XrayPreprocessor.Default.LoadTensor(rgbPng, full);

        // Assert
        Assert.True(fastResult.Grayscale);
        Assert.False(fullResult.Grayscale);
        Assert.True(MaxDifference(fast, full) <= 1e-6f);
        Assert.True(MaxDifference(full, ImageSharpReference(rgbPng)) <= OneGreyLevel);
    }

    [Fact]
    public void LoadTensor_IntoSecondBatchSlot_WritesOnlyThatSlot()
    {
        // Arrange: a batch of two; preprocessing writes straight into slot 1 with no intermediate copy.
        using Image<Rgb24> red = new(64, 64, new Rgb24(255, 0, 0));
        byte[] png = TestImages.Encode(red, new PngEncoder());
        float[] batch = new float[2 * Preprocessing.ValuesPerImage];
        Array.Fill(batch, -7f);

        // Act
        XrayPreprocessor.Default.LoadTensor(png, batch.AsSpan(Preprocessing.ValuesPerImage));

        // Assert
        Assert.All(batch[..Preprocessing.ValuesPerImage], v => Assert.Equal(-7f, v));
        Assert.Equal(1f, batch[Preprocessing.ValuesPerImage], 6);
        Assert.Equal(0f, batch[^1]);
    }

    [Fact]
    public void LoadTensor_FromPath_SameTensorAsFromBytes()
    {
        // Arrange
        using Image<L8> texture = TestImages.GreyTexture(300, 200);
        byte[] png = TestImages.Encode(texture, new PngEncoder());
        string path = Path.Combine(Path.GetTempPath(), $"xray-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png);
        float[] fromFile = new float[Preprocessing.ValuesPerImage];
        float[] fromBytes = new float[Preprocessing.ValuesPerImage];

        try
        {
            // Act
            PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(path, fromFile);
            XrayPreprocessor.Default.LoadTensor(png, fromBytes);

            // Assert
            Assert.Equal(fromBytes, fromFile);
            Assert.Equal(png.Length, result.Image.Bytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadTensor_DestinationTooSmall_ThrowsArgumentException()
    {
        // Arrange
        using Image<Rgb24> image = new(32, 32);
        byte[] png = TestImages.Encode(image, new PngEncoder());

        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(() => XrayPreprocessor.Default.LoadTensor(png, new float[100]));

        // Assert
        Assert.Equal("destination", error.ParamName);
    }

    [Fact]
    public void LoadTensor_UpscaledSmallImage_StaysWithinUnitRange()
    {
        // Arrange: a 20×20 black/white checkerboard is enlarged; a triangle filter must not overshoot [0,1].
        using Image<L8> checker = new(20, 20);
        checker.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<L8> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    row[x] = new L8((byte)(((x + y) % 2) * 255));
                }
            }
        });
        byte[] png = TestImages.Encode(checker, new PngEncoder());
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        XrayPreprocessor.Default.LoadTensor(png, tensor);

        // Assert
        Assert.All(tensor, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(0f, tensor.Min(), 3);
        Assert.Equal(1f, tensor.Max(), 3);
    }

    internal static float[] ImageSharpReference(byte[] encoded)
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(encoded);
        image.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = new Size(Size, Size),
            Mode = ResizeMode.Stretch,
            Sampler = KnownResamplers.Triangle,
        }));
        float[] tensor = new float[Preprocessing.ValuesPerImage];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < Size; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < Size; x++)
                {
                    tensor[(y * Size) + x] = row[x].R / 255f;
                    tensor[Plane + (y * Size) + x] = row[x].G / 255f;
                    tensor[(2 * Plane) + (y * Size) + x] = row[x].B / 255f;
                }
            }
        });
        return tensor;
    }

    internal static float MaxDifference(float[] a, float[] b)
    {
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        }

        return worst;
    }
}
