using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Testing.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using static ServerlessCovid.Core.Tests.Imaging.Dicom.DicomTestSupport;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>Each transfer syntax and pixel-module case, checked pixel for pixel against the C.11 formulas.</summary>
public sealed class DicomPixelPipelineTests
{
    private const int Rows = 16;
    private const int Columns = 20;
    private const int Count = Rows * Columns;

    [Theory]
    [InlineData(DicomWriter.Implicit)]
    [InlineData(DicomWriter.Explicit)]
    [InlineData(DicomWriter.Deflated)]
    public void Read_Unsigned12BitWithWindow_MatchesLinearWindow(string syntax)
    {
        // Arrange: 12 of 16 bits stored, window 2048/1000, rescale 1/0.
        int[] stored = Pattern(Count, 0, 4095);
        byte[] file = new DicomWriter()
            .Image(Rows, Columns, "MONOCHROME2", 16, 12)
            .Text(0x0028_1050, "DS", "2048\\100")
            .Text(0x0028_1051, "DS", "1000\\50")
            .Pixels(DicomWriter.Samples16(stored))
            .ToPart10(syntax);

        // Act
        byte[] display = Display(file);

        // Assert
        Assert.Equal(stored.Select(v => Linear(v, 2048, 1000)).ToArray(), display);
    }

    [Fact]
    public void Read_SignedRescaledWithoutWindow_MatchesMinMaxOfModalityValues()
    {
        // Arrange: signed 16-bit, slope 2, intercept -100, no VOI attributes at all.
        int[] stored = Pattern(Count, -1000, 3000);
        byte[] file = new DicomWriter()
            .Image(Rows, Columns, "MONOCHROME2", 16, 16, signed: true)
            .Text(0x0028_1052, "DS", "-100")
            .Text(0x0028_1053, "DS", "2")
            .Pixels(DicomWriter.Samples16(stored))
            .ToPart10(DicomWriter.Explicit);
        double min = (2 * stored.Min()) - 100;
        double max = (2 * stored.Max()) - 100;

        // Act
        byte[] display = Display(file);

        // Assert
        Assert.Equal(stored.Select(v => MinMax((2 * v) - 100, min, max)).ToArray(), display);
    }

    [Theory]
    [InlineData("MONOCHROME1", null)]
    [InlineData("MONOCHROME2", "INVERSE")]
    [InlineData("MONOCHROME1", "INVERSE")]
    public void Read_Monochrome1OrInverseShape_InvertsOnce(string photometric, string? shape)
    {
        // Arrange: 8-bit stored values, window 128/200.
        int[] stored = Pattern(Count, 0, 255);
        DicomWriter writer = new DicomWriter()
            .Image(Rows, Columns, photometric, 8, 8)
            .Text(0x0028_1050, "DS", "128")
            .Text(0x0028_1051, "DS", "200")
            .Pixels(stored.Select(v => (byte)v).ToArray());
        if (shape is not null)
        {
            writer.Text(0x2050_0020, "CS", shape);
        }

        // Act
        byte[] display = Display(writer.ToPart10(DicomWriter.Implicit));

        // Assert
        Assert.Equal(stored.Select(v => (byte)(255 - Linear(v, 128, 200))).ToArray(), display);
    }

    [Fact]
    public void Read_VoiLutSequence_MapsThroughFirstItemLut()
    {
        // Arrange: a 512-entry 16-bit LUT starting at stored value 100; stored values below and above its range.
        int[] stored = Pattern(Count, 0, 700);
        ushort[] entries = Enumerable.Range(0, 512).Select(i => (ushort)((i * 97) % 65536)).ToArray();
        byte[] descriptor = DicomWriter.Samples16([512, 100, 16]);
        byte[] data = DicomWriter.Samples16(entries.Select(e => (int)e));
        byte[] sequence = DicomWriter.Sequence(true, [(0x0028_3002, "US", descriptor), (0x0028_3006, "OW", data)]);
        byte[] file = new DicomWriter()
            .Image(Rows, Columns, "MONOCHROME2", 16, 10)
            .Raw(0x0028_3010, "SQ", sequence)
            .Pixels(DicomWriter.Samples16(stored))
            .ToPart10(DicomWriter.Explicit);

        // Act
        byte[] display = Display(file);

        // Assert
        Assert.Equal(stored.Select(v => Round(entries[Math.Clamp(v - 100, 0, 511)] * 255.0 / 65535)).ToArray(), display);
    }

    [Fact]
    public void Read_RgbPlanar_InterleavesEachPlane()
    {
        // Arrange: 8-bit RGB, planar configuration 1 (all reds, then greens, then blues).
        int[] red = Pattern(Count, 0, 255);
        int[] green = Pattern(Count, 10, 200);
        int[] blue = Pattern(Count, 50, 60);
        byte[] planes = [.. red.Select(v => (byte)v), .. green.Select(v => (byte)v), .. blue.Select(v => (byte)v)];
        byte[] file = new DicomWriter()
            .Image(Rows, Columns, "RGB", 8, 8, samples: 3)
            .UInt16(0x0028_0006, 1)
            .Pixels(planes)
            .ToPart10(DicomWriter.Explicit);

        // Act
        byte[] display = Display(file);

        // Assert
        byte[] expected = Enumerable.Range(0, Count).SelectMany(i => new[] { (byte)red[i], (byte)green[i], (byte)blue[i] }).ToArray();
        Assert.Equal(expected, display);
    }

    [Fact]
    public void Read_MultiFrame_RendersFirstFrameOnly()
    {
        // Arrange: two 8-bit frames; the second is all white, the first a pattern; min-max VOI over frame 1 only.
        int[] first = Pattern(Count, 20, 220);
        byte[] pixels = [.. first.Select(v => (byte)v), .. Enumerable.Repeat((byte)255, Count)];
        byte[] file = new DicomWriter()
            .Image(Rows, Columns, "MONOCHROME2", 8, 8)
            .Text(0x0028_0008, "IS", "2")
            .Pixels(pixels)
            .ToPart10(DicomWriter.Implicit);

        // Act
        byte[] display = Display(file);

        // Assert
        Assert.Equal(first.Select(v => MinMax(v, first.Min(), first.Max())).ToArray(), display);
    }

    [Fact]
    public void Read_JpegBaseline_MatchesDecodedJpegThroughWindow()
    {
        // Arrange: an 8-bit grey JPEG in one fragment (empty offset table), window 100/120.
        using Image<L8> image = TestImages.GreyTexture(Columns, Rows);
        byte[] jpeg = TestImages.Encode(image, new JpegEncoder { Quality = 90, ColorType = JpegColorType.Luminance });
        byte[] file = new DicomWriter()
            .Image(Rows, Columns, "MONOCHROME2", 8, 8)
            .Text(0x0028_1050, "DS", "100")
            .Text(0x0028_1051, "DS", "120")
            .Encapsulated([], jpeg.Length % 2 == 0 ? jpeg : [.. jpeg, 0])
            .ToPart10(DicomWriter.JpegBaseline);
        using Image<L8> decoded = SixLabors.ImageSharp.Image.Load<L8>(jpeg);
        byte[] stored = new byte[Count];
        decoded.CopyPixelDataTo(stored);

        // Act
        byte[] display = Display(file);

        // Assert
        Assert.Equal(stored.Select(v => Linear(v, 100, 120)).ToArray(), display);
    }

    [Fact]
    public void Read_BareImplicitDataset_ReadsWithoutPreamble()
    {
        // Arrange: no preamble, no meta group: the dataset as some PACS exports store it.
        int[] stored = Pattern(Count, 0, 255);
        byte[] file = new DicomWriter()
            .Text(0x0008_0060, "CS", "CR")
            .Image(Rows, Columns, "MONOCHROME2", 8, 8)
            .Pixels(stored.Select(v => (byte)v).ToArray())
            .Dataset(explicitVr: false);

        // Act
        byte[] display = Display(file);

        // Assert
        Assert.Equal(stored.Select(v => MinMax(v, stored.Min(), stored.Max())).ToArray(), display);
    }

    [Fact]
    public void LoadTensor_Dicom_EqualsPngOfTheExpectedDisplayImage()
    {
        // Arrange: the same display image once as DICOM (16-bit, window) and once as an 8-bit grey PNG.
        int[] stored = Pattern(64 * 48, 0, 4095);
        byte[] file = new DicomWriter()
            .Text(0x0008_0060, "CS", "DX")
            .Text(0x0018_5101, "CS", "PA")
            .Image(48, 64, "MONOCHROME2", 16, 12)
            .Text(0x0028_1050, "DS", "1500")
            .Text(0x0028_1051, "DS", "3000")
            .Pixels(DicomWriter.Samples16(stored))
            .ToPart10(DicomWriter.Explicit);
        byte[] expected = stored.Select(v => Linear(v, 1500, 3000)).ToArray();
        using Image<L8> reference = SixLabors.ImageSharp.Image.LoadPixelData<L8>(expected, 64, 48);
        byte[] png = TestImages.Encode(reference, new SixLabors.ImageSharp.Formats.Png.PngEncoder());
        float[] fromDicom = new float[XrayPreprocessor.TensorLength];
        float[] fromPng = new float[XrayPreprocessor.TensorLength];

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(file, fromDicom);
        XrayPreprocessor.Default.LoadTensor(png, fromPng);

        // Assert
        Assert.Equal(fromPng, fromDicom);
        Assert.Equal("dicom", result.Image.Format);
        Assert.Equal((64, 48), (result.Image.Width, result.Image.Height));
        Assert.Equal(("DX", "PA", "MONOCHROME2", DicomWriter.Explicit), (result.Dicom!.Modality, result.Dicom.ViewPosition, result.Dicom.PhotometricInterpretation, result.Dicom.TransferSyntaxUid));
    }
}
