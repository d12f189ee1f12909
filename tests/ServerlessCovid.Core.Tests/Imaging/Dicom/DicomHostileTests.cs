using System.Text.Json;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Testing.Imaging;
using static ServerlessCovid.Core.Tests.Imaging.Dicom.DicomTestSupport;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>Hostile and unsupported DICOM: each refused with its stable code, and no patient attribute ever leaks.</summary>
public sealed class DicomHostileTests
{
    private static DicomWriter Grey(int rows = 16, int columns = 16) =>
        new DicomWriter().Image(rows, columns, "MONOCHROME2", 8, 8).Pixels(new byte[rows * columns]);

    private static byte[] Le32(uint value) => BitConverter.GetBytes(value);

    [Fact]
    public void Read_ElementLengthPastEndOfFile_Corrupt()
    {
        // Arrange: an implicit-VR element declaring 1 MiB after the pixel data, with 4 bytes present.
        byte[] file = [.. Grey().ToPart10(DicomWriter.Implicit), 0x09, 0x00, 0x10, 0x00, .. Le32(1 << 20), 1, 2, 3, 4];

        // Act
        ImageRejectedException error = Reject(file);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("remain", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeeplyNestedUndefinedLengthSequences_CorruptAtDepthCap()
    {
        // Arrange: 40 nested undefined-length sequences (implicit VR), each holding one undefined-length item.
        using MemoryStream nested = new();
        for (int i = 0; i < 40; i++)
        {
            nested.Write([0x40, 0x00, 0x75, 0x02, .. Le32(uint.MaxValue), 0xFE, 0xFF, 0x00, 0xE0, .. Le32(uint.MaxValue)]);
        }

        for (int i = 0; i < 40; i++)
        {
            nested.Write([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        }

        byte[] file = [.. Grey().ToPart10(DicomWriter.Implicit), .. nested.ToArray()];

        // Act
        ImageRejectedException error = Reject(file);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("nest", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RowsTimesColumnsOverPixelCap_DimensionsOutOfRange()
    {
        // Arrange: 60000×60000 declared, 256 bytes of pixels.
        byte[] file = new DicomWriter().Image(60000, 60000, "MONOCHROME2", 8, 8).Pixels(new byte[256]).ToPart10(DicomWriter.Explicit);

        // Act
        ImageRejectedException error = Reject(file);

        // Assert
        Assert.Equal(ImageErrorCodes.DimensionsOutOfRange, error.Code);
    }

    [Fact]
    public void Read_PixelDataShorterThanDeclared_Corrupt()
    {
        // Arrange: 16×16 16-bit needs 512 bytes; 300 are present.
        byte[] file = new DicomWriter().Image(16, 16, "MONOCHROME2", 16, 16).Pixels(new byte[300]).ToPart10(DicomWriter.Explicit);

        // Act
        ImageRejectedException error = Reject(file);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("512", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OffsetTableNotOnFragmentBoundary_Corrupt()
    {
        // Arrange: two frames; the offset table's second entry points into the middle of the first fragment.
        byte[] table = [.. Le32(0), .. Le32(6)];
        byte[] file = Grey().Text(0x0028_0008, "IS", "2").Encapsulated(table, [0xFF, 0xD8, 1, 2], [0xFF, 0xD8, 3, 4])
            .ToPart10(DicomWriter.JpegBaseline);

        // Act
        ImageRejectedException error = Reject(file);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("fragment boundary", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FewerFragmentsThanFrames_Corrupt()
    {
        // Arrange: three frames declared, one fragment.
        byte[] file = Grey().Text(0x0028_0008, "IS", "3").Encapsulated([], [0xFF, 0xD8, 0xFF, 0xD9])
            .ToPart10(DicomWriter.JpegBaseline);

        // Act
        ImageRejectedException error = Reject(file);

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("1 fragment(s) for 3 frames", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_NoPreambleAndDoesNotParse_UnsupportedFormat()
    {
        // Arrange: starts like a dataset (group 0008) but the second element claims more bytes than exist.
        byte[] bytes = [0x08, 0x00, 0x60, 0x00, .. Le32(2), (byte)'C', (byte)'R', 0x28, 0x00, 0x10, 0x00, .. Le32(4000), 0, 0];

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(bytes, new float[XrayPreprocessor.TensorLength]));

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, error.Code);
        Assert.Contains("DICM", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_Jpeg2000TransferSyntax_UnsupportedTransferSyntaxNamesUid()
    {
        // Arrange
        byte[] file = Grey().ToPart10("1.2.840.10008.1.2.4.90");

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(file, new float[XrayPreprocessor.TensorLength]));

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedTransferSyntax, error.Code);
        Assert.Contains("1.2.840.10008.1.2.4.90", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeflateBombPastPixelCaps_DecodeBudgetExceeded()
    {
        // Arrange: 24 MiB of zeros deflate to a few KiB; with a 1,000-pixel cap a dataset may inflate to 6 × 1,000 bytes + 16 MiB.
        ImageInputOptions options = new() { MaxPixels = 1000, MinSide = 1 };
        byte[] file = new DicomWriter().Image(16, 16, "MONOCHROME2", 8, 8).Pixels(new byte[24 * 1024 * 1024]).ToPart10(DicomWriter.Deflated);

        // Act
        ImageRejectedException error = Reject(file, options);

        // Assert
        Assert.Equal(ImageErrorCodes.DecodeBudgetExceeded, error.Code);
    }

    [Fact]
    public void LoadTensor_FileWithPatientAttributes_NoPatientValueInResultOrErrors()
    {
        // Arrange: patient name, id and birth date, in a readable file and in one refused for its syntax.
        string[] phi = ["DOE^JANE", "PID-4711-SECRET", "19700101"];
        DicomWriter writer = Grey(32, 32)
            .Text(0x0008_0018, "UI", "1.2.3.4.5.6.7.8.9")
            .Text(0x0008_0060, "CS", "CR")
            .Text(0x0010_0010, "PN", phi[0])
            .Text(0x0010_0020, "LO", phi[1])
            .Text(0x0010_0030, "DA", phi[2]);
        byte[] readable = writer.ToPart10(DicomWriter.Explicit);
        byte[] refused = writer.ToPart10("1.2.840.10008.1.2.4.80");

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(readable, new float[XrayPreprocessor.TensorLength]);
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(
            () => XrayPreprocessor.Default.LoadTensor(refused, new float[XrayPreprocessor.TensorLength]));
        string everything = string.Join(
            "\n", result.ToString(), JsonSerializer.Serialize(result), result.Dicom!.ToString(), JsonSerializer.Serialize(result.Dicom),
            error.Message, error.Reason, error.ToString());

        // Assert
        Assert.Equal("CR", result.Dicom.Modality);
        foreach (string value in phi.Append("1.2.3.4.5.6.7.8.9"))
        {
            Assert.DoesNotContain(value, everything, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void HashSopInstanceUid_SameSaltSameHashOtherSaltOther_NeverTheUid()
    {
        // Arrange
        DicomInfo info = new("CR", "PA", "MONOCHROME2", DicomWriter.Explicit, "Explicit VR Little Endian", 12, 1)
        {
            SopInstanceUid = "1.2.3.4.5",
        };
        byte[] salt = Enumerable.Repeat((byte)7, 32).ToArray();
        byte[] other = Enumerable.Repeat((byte)8, 32).ToArray();

        // Act
        string? first = info.HashSopInstanceUid(salt);
        string? again = info.HashSopInstanceUid(salt);
        string? salted = info.HashSopInstanceUid(other);

        // Assert
        Assert.Equal(first, again);
        Assert.NotEqual(first, salted);
        Assert.Equal(64, first!.Length);
        Assert.DoesNotContain("1.2.3.4.5", first, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => info.HashSopInstanceUid(new byte[4]));
    }
}
