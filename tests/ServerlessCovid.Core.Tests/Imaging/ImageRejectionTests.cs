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
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

public sealed class ImageRejectionTests
{
    private static ImageRejectedException Reject(byte[] bytes, XrayPreprocessor? preprocessor = null) =>
        Assert.Throws<ImageRejectedException>(
            () => (preprocessor ?? XrayPreprocessor.Default).LoadTensor(bytes, new float[Preprocessing.ValuesPerImage]));

    private static byte[] ValidPng()
    {
        using Image<L8> image = TestImages.GreyTexture(64, 48);
        return TestImages.Encode(image, new PngEncoder());
    }

    [Fact]
    public void LoadTensor_ZeroBytes_Empty()
    {
        // Arrange
        byte[] nothing = [];

        // Act
        ImageRejectedException error = Reject(nothing);

        // Assert
        Assert.Equal(ImageErrorCodes.Empty, error.Code);
        Assert.Contains("empty", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_TextFile_UnsupportedFormatSaysText()
    {
        // Arrange
        byte[] text = "patientid,finding\n1,COVID-19\n"u8.ToArray();

        // Act
        ImageRejectedException error = Reject(text);

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, error.Code);
        Assert.Contains("text", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_WrongMagic_UnsupportedFormat()
    {
        // Arrange: a valid PNG whose signature's first byte is damaged.
        byte[] png = ValidPng();
        png[0] = 0x00;

        // Act
        ImageRejectedException error = Reject(png);

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, error.Code);
        Assert.Contains("PNG, JPEG", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_DicomPreambleWithoutMeta_CorruptNamesTransferSyntax()
    {
        // Arrange: the DICOM preamble (128 bytes) and "DICM" magic, then nothing but zeros.
        byte[] dicom = new byte[300];
        "DICM"u8.CopyTo(dicom.AsSpan(128));

        // Act
        ImageRejectedException error = Reject(dicom);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("Transfer Syntax UID", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.8)]
    [InlineData(0.95)]
    public void LoadTensor_TruncatedPng_Corrupt(double keptFraction)
    {
        // Arrange
        byte[] png = ValidPng();
        byte[] truncated = png[..(int)(png.Length * keptFraction)];

        // Act
        ImageRejectedException error = Reject(truncated);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("png", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_PngHeaderDeclaring100000x100000_DimensionsOutOfRangeWithoutDecoding()
    {
        // Arrange: a 70-byte file that would need 10 GB of pixels (a decompression bomb's header).
        byte[] bomb = TestImages.PngHeaderDeclaring(100_000, 100_000);

        // Act
        ImageRejectedException error = Reject(bomb);

        // Assert
        Assert.Equal(ImageErrorCodes.DimensionsOutOfRange, error.Code);
        Assert.Contains("100000×100000", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_TinyImage_DimensionsOutOfRange()
    {
        // Arrange
        using Image<L8> image = new(8, 8);
        byte[] png = TestImages.Encode(image, new PngEncoder());

        // Act
        ImageRejectedException error = Reject(png);

        // Assert
        Assert.Equal(ImageErrorCodes.DimensionsOutOfRange, error.Code);
    }

    [Fact]
    public void LoadTensor_MoreBytesThanTheCap_TooLarge()
    {
        // Arrange
        byte[] png = ValidPng();
        XrayPreprocessor strict = new(new ImageInputOptions { MaxBytes = png.Length - 1 });

        // Act
        ImageRejectedException error = Reject(png, strict);

        // Assert
        Assert.Equal(ImageErrorCodes.TooLarge, error.Code);
        Assert.Contains("Imaging:MaxBytes", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_MorePixelsThanTheCap_DimensionsOutOfRange()
    {
        // Arrange: 64×48 = 3072 pixels against a 3000-pixel cap.
        XrayPreprocessor strict = new(new ImageInputOptions { MaxPixels = 3000 });

        // Act
        ImageRejectedException error = Reject(ValidPng(), strict);

        // Assert
        Assert.Equal(ImageErrorCodes.DimensionsOutOfRange, error.Code);
        Assert.Contains("Imaging:MaxPixels", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_TruncatedJpeg_Corrupt()
    {
        // Arrange: cut inside the entropy-coded data.
        using Image<L8> image = TestImages.GreyTexture(64, 48);
        byte[] jpeg = TestImages.Encode(image, new JpegEncoder { Quality = 90 });
        byte[] truncated = jpeg[..(jpeg.Length * 3 / 4)];

        // Act
        ImageRejectedException error = Reject(truncated);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
    }

    public static TheoryData<string> Encoders() => ["png", "jpeg", "bmp", "gif", "tiff", "webp"];

    [Theory]
    [MemberData(nameof(Encoders))]
    public void LoadTensor_DamagedBytes_NeverLetsAnImageSharpExceptionEscape(string format)
    {
        // Arrange: many truncations and byte flips of a valid file; each must decode or be rejected with a code.
        using Image<L8> texture = TestImages.GreyTexture(48, 40);
        using Image<Rgb24> image = texture.CloneAs<Rgb24>();
        IImageEncoder encoder = format switch
        {
            "png" => new PngEncoder(),
            "jpeg" => new JpegEncoder(),
            "bmp" => new BmpEncoder(),
            "gif" => new GifEncoder(),
            "tiff" => new TiffEncoder(),
            _ => new WebpEncoder(),
        };
        byte[] valid = TestImages.Encode(image, encoder);
        Random random = new(42);
        List<string> codes = [];

        // Act
        for (int trial = 0; trial < 60; trial++)
        {
            byte[] damaged = trial % 2 == 0 ? valid[..random.Next(1, valid.Length)] : (byte[])valid.Clone();
            if (trial % 2 == 1)
            {
                for (int flips = 0; flips < 4; flips++)
                {
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                }
            }

            try
            {
                XrayPreprocessor.Default.LoadTensor(damaged, new float[Preprocessing.ValuesPerImage]);
                codes.Add("decoded");
            }
            catch (ImageRejectedException rejected)
            {
                codes.Add(rejected.Code);
            }
        }

        // Assert: every outcome is a decode or a known code, and damage was actually noticed.
        string[] known = ["decoded", ImageErrorCodes.Corrupt, ImageErrorCodes.UnsupportedFormat, ImageErrorCodes.DimensionsOutOfRange, ImageErrorCodes.TooLarge, ImageErrorCodes.Empty, ImageErrorCodes.DecodeBudgetExceeded];
        Assert.All(codes, code => Assert.Contains(code, known));
        Assert.Contains(codes, code => code != "decoded");
    }
}
