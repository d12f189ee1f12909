using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

public sealed class ImageFormatTests
{
    private const int Size = Preprocessing.Size;
    private const int Plane = Size * Size;

    // Left half and right half of every colour test image; chosen to differ in every channel.
    private static readonly Rgba32 Left = new(200, 40, 90, 255);
    private static readonly Rgba32 Right = new(30, 180, 240, 255);
    private static readonly Rgba32 GreyLeft = new(220, 220, 220, 255);
    private static readonly Rgba32 GreyRight = new(40, 40, 40, 255);

    public static TheoryData<string> Variants() =>
    [
        "png-rgb8", "png-rgba8", "png-rgb16", "png-grey8", "png-grey16", "png-grey-alpha", "png-palette",
        "jpeg-baseline-420", "jpeg-444", "jpeg-grey", "bmp-24", "bmp-8-palette", "tiff-rgb", "tiff-grey",
        "webp-lossless", "webp-lossy",
    ];

    // WebP is refused by default (its completeness cannot be verified); the decode itself is still covered here.
    private static readonly XrayPreprocessor AcceptingWebp = new(new ImageInputOptions { AcceptUnverifiedWebp = true });

    [Theory]
    [MemberData(nameof(Variants))]
    public void LoadTensor_SupportedVariant_KeepsBothHalvesColours(string variant)
    {
        // Arrange
        (byte[] bytes, string format, Rgba32 left, Rgba32 right, bool grey, float tolerance) = Build(variant);
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage result = AcceptingWebp.LoadTensor(bytes, tensor);

        // Assert: sample well inside each half (the boundary blur is a few pixels wide).
        Assert.Equal(format, result.Image.Format);
        Assert.Equal((96, 64), (result.Image.Width, result.Image.Height));
        Assert.Equal(grey, result.Grayscale);
        AssertPixel(tensor, 128, 40, left, tolerance);
        AssertPixel(tensor, 128, 216, right, tolerance);
    }

    [Fact]
    public void LoadTensor_ProgressiveJpeg_DecodesEveryScan()
    {
        // Arrange: ImageSharp cannot write progressive JPEG, so a minimal SOF2 writer builds one: 12×8 blocks,
        // left half 200, right half 40.
        byte[] jpeg = ProgressiveJpeg.Encode(12, 8, (bx, _) => bx < 6 ? (byte)200 : (byte)40);
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(jpeg, tensor);

        // Assert
        Assert.Equal("jpeg", result.Image.Format);
        Assert.Equal((96, 64), (result.Image.Width, result.Image.Height));
        Assert.True(result.Grayscale);
        AssertPixel(tensor, 128, 40, new Rgba32(200, 200, 200), 1.5f / 255);
        AssertPixel(tensor, 128, 216, new Rgba32(40, 40, 40), 1.5f / 255);
    }

    [Fact]
    public void LoadTensor_AdobeCmykJpeg_ConvertsInvertedInkToRgb()
    {
        // Arrange: stored (inverted, Adobe-style) C,M,Y,K samples per half; RGB = C·K/255, M·K/255, Y·K/255.
        byte[][] halves = [[200, 40, 90, 255], [30, 180, 240, 200]];
        byte[] jpeg = ProgressiveJpeg.Encode(12, 8, 4, (bx, _, c) => halves[bx < 6 ? 0 : 1][c]);
        Assert.Equal(JpegColorType.Cmyk, Image.Identify(jpeg).Metadata.GetJpegMetadata().ColorType);
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(jpeg, tensor);

        // Assert
        Assert.False(result.Grayscale);
        static Rgba32 Rgb(byte[] s) => new((byte)Math.Round(s[0] * s[3] / 255.0), (byte)Math.Round(s[1] * s[3] / 255.0), (byte)Math.Round(s[2] * s[3] / 255.0));
        AssertPixel(tensor, 128, 40, Rgb(halves[0]), 1.5f / 255);
        AssertPixel(tensor, 128, 216, Rgb(halves[1]), 1.5f / 255);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(6, true)]
    [InlineData(8, true)]
    public void LoadTensor_JpegExifOrientation_IsApplied(ushort orientation, bool swapsSides)
    {
        // Arrange: stored as 96×64 with a bright left half; orientation 6 (rotate 90° clockwise) puts it on top,
        // 8 (rotate 90° counter-clockwise) at the bottom, 3 (rotate 180°) on the right.
        using Image<Rgba32> image = TestImages.TwoHalves(96, 64, GreyLeft, GreyRight);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
        byte[] jpeg = TestImages.Encode(image, new JpegEncoder { Quality = 95 });
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(jpeg, tensor);

        // Assert
        Assert.Equal(swapsSides ? (64, 96) : (96, 64), (result.Image.Width, result.Image.Height));
        (int brightY, int brightX, int darkY, int darkX) = orientation switch
        {
            1 => (128, 40, 128, 216),
            3 => (128, 216, 128, 40),
            6 => (40, 128, 216, 128),
            _ => (216, 128, 40, 128),
        };
        AssertPixel(tensor, brightY, brightX, GreyLeft, 4f / 255);
        AssertPixel(tensor, darkY, darkX, GreyRight, 4f / 255);
    }

    [Fact]
    public void LoadTensor_AnimatedGif_UsesFirstFrameOnly()
    {
        // Arrange: frame 0 is the two-halves image, frame 1 is solid white.
        using Image<Rgba32> image = TestImages.TwoHalves(96, 64, GreyLeft, GreyRight);
        using Image<Rgba32> white = new(96, 64, new Rgba32(255, 255, 255));
        image.Frames.AddFrame(white.Frames.RootFrame);
        byte[] gif = TestImages.Encode(image, new GifEncoder());
        float[] tensor = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(gif, tensor);

        // Assert
        Assert.Equal("gif", result.Image.Format);
        AssertPixel(tensor, 128, 40, GreyLeft, 1.5f / 255);
        AssertPixel(tensor, 128, 216, GreyRight, 1.5f / 255);
    }

    private static (byte[] Bytes, string Format, Rgba32 Left, Rgba32 Right, bool Grey, float Tolerance) Build(string variant)
    {
        const float Exact = 0.5f / 255;
        const float Lossy = 6f / 255;
        using Image<Rgba32> colour = TestImages.TwoHalves(96, 64, Left, Right);
        using Image<Rgba32> grey = TestImages.TwoHalves(96, 64, GreyLeft, GreyRight);
        using Image<Rgba32> translucent = TestImages.TwoHalves(96, 64, Left with { A = 100 }, Right with { A = 30 });
        return variant switch
        {
            "png-rgb8" => (Png(colour, PngColorType.Rgb, PngBitDepth.Bit8), "png", Left, Right, false, Exact),
            "png-rgba8" => (Png(translucent, PngColorType.RgbWithAlpha, PngBitDepth.Bit8), "png", Left, Right, false, Exact),
            "png-rgb16" => (Png(colour, PngColorType.Rgb, PngBitDepth.Bit16), "png", Left, Right, false, Exact),
            "png-grey8" => (Png(grey, PngColorType.Grayscale, PngBitDepth.Bit8), "png", GreyLeft, GreyRight, true, Exact),
            "png-grey16" => (Png(grey, PngColorType.Grayscale, PngBitDepth.Bit16), "png", GreyLeft, GreyRight, true, Exact),
            "png-grey-alpha" => (Png(grey, PngColorType.GrayscaleWithAlpha, PngBitDepth.Bit8), "png", GreyLeft, GreyRight, true, Exact),
            "png-palette" => (Png(colour, PngColorType.Palette, PngBitDepth.Bit8), "png", Left, Right, false, Exact),
            "jpeg-baseline-420" => (Jpeg(colour, JpegColorType.YCbCrRatio420), "jpeg", Left, Right, false, Lossy),
            "jpeg-444" => (Jpeg(colour, JpegColorType.YCbCrRatio444), "jpeg", Left, Right, false, Lossy),
            "jpeg-grey" => (Jpeg(grey, JpegColorType.Luminance), "jpeg", GreyLeft, GreyRight, true, Lossy),
            "bmp-24" => (TestImages.Encode(colour, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }), "bmp", Left, Right, false, Exact),
            "bmp-8-palette" => (TestImages.Encode(colour, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 }), "bmp", Left, Right, false, Exact),
            "tiff-rgb" => (TestImages.Encode(colour, new TiffEncoder { BitsPerPixel = TiffBitsPerPixel.Bit24 }), "tiff", Left, Right, false, Exact),
            "tiff-grey" => (TestImages.Encode(grey, new TiffEncoder { BitsPerPixel = TiffBitsPerPixel.Bit8 }), "tiff", GreyLeft, GreyRight, false, Exact),
            "webp-lossless" => (TestImages.Encode(colour, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }), "webp", Left, Right, false, Exact),
            "webp-lossy" => (TestImages.Encode(colour, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = 95 }), "webp", Left, Right, false, Lossy),
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
        };
    }

    private static byte[] Png(Image<Rgba32> image, PngColorType colorType, PngBitDepth bitDepth) =>
        TestImages.Encode(image, new PngEncoder { ColorType = colorType, BitDepth = bitDepth });

    private static byte[] Jpeg(Image<Rgba32> image, JpegColorType colorType)
    {
        byte[] bytes = TestImages.Encode(image, new JpegEncoder { ColorType = colorType, Quality = 95 });

        // Prove the encoder really wrote the requested colour model (it would be no test otherwise).
        IImageInfo info = Image.Identify(bytes);
        Assert.Equal(colorType, info.Metadata.GetJpegMetadata().ColorType);
        return bytes;
    }

    private static void AssertPixel(float[] tensor, int y, int x, Rgba32 expected, float tolerance)
    {
        float[] actual = [tensor[(y * Size) + x], tensor[Plane + (y * Size) + x], tensor[(2 * Plane) + (y * Size) + x]];
        float[] wanted = [expected.R / 255f, expected.G / 255f, expected.B / 255f];
        for (int c = 0; c < 3; c++)
        {
            Assert.True(
                Math.Abs(actual[c] - wanted[c]) <= tolerance,
                $"channel {c} at ({x},{y}): {actual[c] * 255:F2} vs expected {wanted[c] * 255:F2} grey levels");
        }
    }
}
