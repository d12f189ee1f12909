using System.Buffers;
using System.Security.Cryptography;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Tests.Imaging.Dicom;
using ServerlessCovid.Testing.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

/// <summary>The realistic-size paths: 16-bit grey PNG, hashing once, grey JPEG as RGB, uncompressed DICOM in place.</summary>
public sealed class FastDecodeTests
{
    private static readonly XrayPreprocessor ImageSharpOnly = new(new ImageInputOptions(), pngFastPath: false);

    public static TheoryData<PngFilterMethod, int, int> FiltersAndSizes()
    {
        TheoryData<PngFilterMethod, int, int> data = [];
        foreach (PngFilterMethod filter in Enum.GetValues<PngFilterMethod>())
        {
            data.Add(filter, 333, 250);
            data.Add(filter, 1000, 700); // large enough for the two-thread inflate/unfilter pipeline
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FiltersAndSizes))]
    public void TryDecode_Grey16PngWithEachFilter_PixelsWithinOneLevelOfImageSharp(PngFilterMethod filter, int width, int height)
    {
        // Arrange
        byte[] png = Grey16Png(width, height, filter, seed: (int)filter);
        using Image<L8> reference = Image.Load<L8>(png);

        // Act
        bool decoded = PngGrayscaleFastPath.TryDecode(png, out byte[]? rows, out int w, out int h, out int stride);

        // Assert
        try
        {
            Assert.True(decoded);
            Assert.Equal((width, height, (2 * width) + 1), (w, h, stride));
            int worst = 0;
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    worst = Math.Max(worst, Math.Abs(rows![1 + (y * stride) + x] - reference[x, y].PackedValue));
                }
            }

            Assert.InRange(worst, 0, 1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rows!);
        }
    }

    [Theory]
    [MemberData(nameof(FiltersAndSizes))]
    public void LoadTensor_Grey16PngWithEachFilter_MatchesImageSharpDecode(PngFilterMethod filter, int width, int height)
    {
        // Arrange
        byte[] png = Grey16Png(width, height, filter, seed: 10 + (int)filter);
        float[] fast = new float[Preprocessing.ValuesPerImage];
        float[] reference = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage fastResult = XrayPreprocessor.Default.LoadTensor(png, fast);
        PreprocessedImage referenceResult = ImageSharpOnly.LoadTensor(png, reference);

        // Assert: one grey level is 1/255 of the unit range.
        Assert.Equal(referenceResult.Image, fastResult.Image);
        Assert.True(fastResult.Grayscale);
        Assert.InRange(MaxDifference(fast, reference), 0, (1 / 255.0) + 1e-6);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void LoadTensor_Grey16PngCutShort_Corrupt(double kept)
    {
        // Arrange
        byte[] png = Grey16Png(1000, 700, PngFilterMethod.Adaptive, seed: 3);
        byte[] truncated = png[..(int)(png.Length * kept)];

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(truncated, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(800)]
    public void LoadTensor_Grey16PngWithTooLittleImageData_Corrupt(int side)
    {
        // Arrange: the header says `side` rows of 2 bytes per pixel; the data holds half of them.
        byte[] png = TestImages.GreyPngFromRawRows(side, side, new byte[side / 2 * ((2 * side) + 1)], bitDepth: 16);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("ends early", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_Grey16PngUnknownFilterType_Corrupt()
    {
        // Arrange: 20×20 16-bit rows whose fifth row claims filter type 5.
        byte[] rows = new byte[20 * 41];
        rows[4 * 41] = 5;

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(TestImages.GreyPngFromRawRows(20, 20, rows, bitDepth: 16), new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("filter type 5", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_GreyPngWithDamagedHeaderCrc_Corrupt()
    {
        // Arrange: the fast path reads IHDR itself, so it must check the CRC that ImageSharp would have.
        byte[] png = Grey16Png(64, 48, PngFilterMethod.Adaptive, seed: 4);
        png[29] ^= 0xFF;

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("CRC", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_GreyPngWithUnknownCriticalChunk_UnsupportedFormat()
    {
        // Arrange
        byte[] png = TestImages.InsertChunkBeforeIend(Grey16Png(64, 48, PngFilterMethod.Adaptive, seed: 5), "XyZw", [1, 2, 3]);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, error.Code);
    }

    [Fact]
    public void LoadTensor_Grey16PngOverThePixelCap_DimensionsOutOfRangeBeforeDecoding()
    {
        // Arrange
        XrayPreprocessor capped = new(new ImageInputOptions { MaxPixels = 1000 * 699 });
        byte[] png = Grey16Png(1000, 700, PngFilterMethod.None, seed: 6);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => capped.LoadTensor(png, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.DimensionsOutOfRange, error.Code);
    }

    [Fact]
    public void LoadTensor_UploadOverOneMebibyte_ContentSha256IsTheHashOfTheBytes()
    {
        // Arrange: noise does not compress, so this PNG is over the size that is hashed on a second thread.
        byte[] png = Grey16Png(1000, 700, PngFilterMethod.None, seed: 7);
        Assert.True(png.Length > 1 << 20);

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]);

        // Assert
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), result.Image.ContentSha256);
    }

    [Fact]
    public void LoadTensor_ContentSha256GivenByTheCaller_RecordedAsGiven()
    {
        // Arrange
        byte[] png = Grey16Png(64, 48, PngFilterMethod.Adaptive, seed: 8);
        string known = Convert.ToHexStringLower(SHA256.HashData(png));

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage], known);

        // Assert
        Assert.Same(known, result.Image.ContentSha256);
    }

    [Fact]
    public void LoadTensor_GreyJpeg_RgbDecodeWithinOneLevelOfL8Decode()
    {
        // Arrange
        using Image<L8> texture = TestImages.GreyTexture(640, 480, seed: 9);
        byte[] jpeg = TestImages.Encode(texture, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 90 });
        XrayPreprocessor l8 = new(new ImageInputOptions(), pngFastPath: true, greyJpegAsRgb: false);
        float[] viaRgb = new float[Preprocessing.ValuesPerImage];
        float[] viaL8 = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage rgbResult = XrayPreprocessor.Default.LoadTensor(jpeg, viaRgb);
        PreprocessedImage l8Result = l8.LoadTensor(jpeg, viaL8);

        // Assert
        Assert.True(rgbResult.Grayscale && l8Result.Grayscale);
        Assert.Equal(l8Result.Image, rgbResult.Image);
        Assert.InRange(MaxDifference(viaRgb, viaL8), 0, (1 / 255.0) + 1e-6);
        Assert.Equal(viaRgb.AsSpan(0, 65536).ToArray(), viaRgb.AsSpan(65536, 65536).ToArray());
    }

    [Fact]
    public void LoadTensor_UncompressedDicom16_DecodesWithoutCopyingTheFrame()
    {
        // Arrange: 512×512 16-bit is 512 KiB of pixel data; the 8-bit display image (256 KiB) is the only buffer needed.
        int[] values = [.. Enumerable.Range(0, 512 * 512).Select(i => ((i * 37) + (i / 512 * 11)) % 4096)];
        byte[] file = new DicomWriter()
            .Image(512, 512, "MONOCHROME2", 16, 12)
            .Pixels(DicomWriter.Samples16(values))
            .ToPart10(DicomWriter.Explicit);

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(file, new float[Preprocessing.ValuesPerImage]);

        // Assert
        Assert.Equal(("dicom", 512, 512), (result.Image.Format, result.Image.Width, result.Image.Height));
        Assert.InRange(result.PeakDecodeBytes, 1, 512 * 512);
    }

    private static byte[] Grey16Png(int width, int height, PngFilterMethod filter, int seed)
    {
        using Image<L8> texture = TestImages.GreyTexture(width, height, seed);
        using Image<L16> image = new(width, height);
        Random random = new(seed);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // Detector-like: the texture in the high byte, noise in the low one, so every 16-bit value occurs.
                image[x, y] = new L16((ushort)((texture[x, y].PackedValue << 8) | random.Next(256)));
            }
        }

        return TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16, FilterMethod = filter });
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
