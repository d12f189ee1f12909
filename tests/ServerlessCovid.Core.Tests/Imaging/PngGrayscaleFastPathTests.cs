using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

public sealed class PngGrayscaleFastPathTests
{
    private static readonly XrayPreprocessor ImageSharpOnly = new(new ImageInputOptions(), pngFastPath: false);

    public static TheoryData<PngFilterMethod, int, int> FiltersAndSizes()
    {
        TheoryData<PngFilterMethod, int, int> data = [];
        foreach (PngFilterMethod filter in Enum.GetValues<PngFilterMethod>())
        {
            data.Add(filter, 333, 250);
            data.Add(filter, 1024, 40);
            data.Add(filter, 1000, 700); // large enough for the two-thread inflate/unfilter pipeline
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FiltersAndSizes))]
    public void LoadTensor_GreyPngWithEachFilter_IdenticalToImageSharpDecode(PngFilterMethod filter, int width, int height)
    {
        // Arrange
        using Image<L8> texture = TestImages.GreyTexture(width, height, seed: (int)filter);
        byte[] png = TestImages.Encode(texture, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8, FilterMethod = filter });
        float[] fast = new float[Preprocessing.ValuesPerImage];
        float[] reference = new float[Preprocessing.ValuesPerImage];

        // Act
        PreprocessedImage fastResult = XrayPreprocessor.Default.LoadTensor(png, fast);
        PreprocessedImage referenceResult = ImageSharpOnly.LoadTensor(png, reference);

        // Assert
        Assert.Equal(referenceResult.Image, fastResult.Image);
        Assert.True(fastResult.Grayscale);
        Assert.Equal(reference, fast);
    }

    [Fact]
    public void LoadTensor_ManyPipelinedDecodesInParallel_EachIdenticalToItsSequentialDecode()
    {
        // Arrange: batch scoring decodes a chunk in Parallel.For, and each large image runs its own inflate thread.
        byte[][] pngs = [.. Enumerable.Range(0, 4 * Environment.ProcessorCount).Select(i =>
        {
            using Image<L8> texture = TestImages.GreyTexture(1000, 700, seed: 100 + i);
            return TestImages.Encode(texture, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        })];
        float[][] sequential = [.. pngs.Select(png => XrayPreprocessor.Default.LoadTensor(png))];
        float[][] parallel = new float[pngs.Length][];

        // Act
        Parallel.For(0, pngs.Length, new ParallelOptions { MaxDegreeOfParallelism = pngs.Length }, i => parallel[i] = XrayPreprocessor.Default.LoadTensor(pngs[i]));

        // Assert
        Assert.All(Enumerable.Range(0, pngs.Length), i => Assert.Equal(sequential[i], parallel[i]));
    }

    [Fact]
    public void LoadTensor_GreyPngWithExifOrientation_FallsBackAndRotates()
    {
        // Arrange: the fast path does not read eXIf, so it must hand such files to ImageSharp.
        using Image<L8> image = new(96, 64);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        byte[] png = TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Grayscale });

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]);

        // Assert
        Assert.Equal((64, 96), (result.Image.Width, result.Image.Height));
    }

    [Fact]
    public void LoadTensor_UnknownFilterType_Corrupt()
    {
        // Arrange: 20×20 rows whose third row claims filter type 7.
        byte[] rows = new byte[20 * 21];
        rows[2 * 21] = 7;

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(TestImages.GreyPngFromRawRows(20, 20, rows), new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("filter type 7", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_TooLittleImageData_Corrupt()
    {
        // Arrange: the header says 20 rows; the data holds 10.
        byte[] png = TestImages.GreyPngFromRawRows(20, 20, new byte[10 * 21]);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("ends early", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(800)]
    public void LoadTensor_UnknownFilterTypeLateInTheImage_CorruptAtAnySize(int side)
    {
        // Arrange: the last row claims filter type 9 (800×800 takes the pipelined path).
        byte[] rows = new byte[side * (side + 1)];
        rows[(side - 1) * (side + 1)] = 9;

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(TestImages.GreyPngFromRawRows(side, side, rows), new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Contains("filter type 9", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_LargeImageWithTooLittleData_CorruptFromThePipeline()
    {
        // Arrange: 800×800 declared, 500 rows of data.
        byte[] png = TestImages.GreyPngFromRawRows(800, 800, new byte[500 * 801]);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("ends early", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_DamagedCompressedData_Corrupt()
    {
        // Arrange: overwrite the middle of the IDAT payload.
        using Image<L8> texture = TestImages.GreyTexture(64, 64);
        byte[] png = TestImages.Encode(texture, new PngEncoder { ColorType = PngColorType.Grayscale });
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        png.AsSpan(idat + 40, 16).Fill(0xFF);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(png, new float[Preprocessing.ValuesPerImage]));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
    }
}
