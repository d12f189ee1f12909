using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Testing.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>What a DICOM input contributes to its result: acquisition code strings, cleaned, and a salted UID hash.</summary>
public sealed class DicomAcquisitionTests
{
    private const string Salt = "unit-test-salt-0123456789";
    private const string SopInstanceUid = "1.2.826.0.1.3680043.9.4711.42";

    [Fact]
    public void LoadTensor_DicomWithAcquisitionAttributes_CarriesThemAndNoUid()
    {
        // Arrange
        byte[] file = Grey(modality: "CR", view: "AP");

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(file, new float[XrayPreprocessor.TensorLength]);

        // Assert: the UID is not among the record's public members, only reachable through its hash.
        DicomInfo info = Assert.IsType<DicomInfo>(result.Dicom);
        Assert.Equal(("CR", "AP", "MONOCHROME2", DicomWriter.Explicit), (info.Modality, info.ViewPosition, info.PhotometricInterpretation, info.TransferSyntaxUid));
        Assert.DoesNotContain(SopInstanceUid, info.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DX\u0007", "PA")]
    [InlineData("DX", "<script>")]
    [InlineData("DX", "PA-LATERAL-UPRIGHT")]
    [InlineData("dx", "pa")]
    public void LoadTensor_MalformedCodeString_DroppedAndStillScored(string modality, string view)
    {
        // Arrange
        byte[] file = Grey(modality, view);

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(file, new float[XrayPreprocessor.TensorLength]);

        // Assert: each malformed value is dropped whole; the well-formed one beside it is kept.
        DicomInfo info = Assert.IsType<DicomInfo>(result.Dicom);
        Assert.Equal(DicomCodeString.Sanitise(modality), info.Modality);
        Assert.Equal(DicomCodeString.Sanitise(view), info.ViewPosition);
        Assert.True(info.Modality is null || info.ViewPosition is null);
    }

    [Theory]
    [InlineData("DX", "DX")]
    [InlineData("LL", "LL")]
    [InlineData("RIGHT_LATERAL 1", "RIGHT_LATERAL 1")]
    [InlineData("ABCDEFGHIJKLMNOPQ", null)]
    [InlineData("PA\r\nX", null)]
    [InlineData("P\u00c4", null)]
    [InlineData(null, null)]
    public void Sanitise_Value_KeepsOnlyWellFormedCodeStrings(string? value, string? expected)
    {
        // Act
        string? sanitised = DicomCodeString.Sanitise(value);

        // Assert
        Assert.Equal(expected, sanitised);
    }

    [Fact]
    public void From_WithSalt_HashIsHmacSha256OfUidUnderSalt()
    {
        // Arrange
        DicomInfo info = Decode(Grey("DX", "PA"));
        string expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Salt), Encoding.ASCII.GetBytes(SopInstanceUid)));

        // Act
        DicomAcquisition acquisition = DicomAcquisition.From(info, Salt);

        // Assert
        Assert.Equal(new DicomAcquisition("DX", "PA", "MONOCHROME2", DicomWriter.Explicit, expected), acquisition);
        Assert.DoesNotContain(SopInstanceUid, acquisition.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void From_WithoutSalt_NoHash()
    {
        // Arrange
        DicomInfo info = Decode(Grey("DX", "PA"));

        // Act
        DicomAcquisition acquisition = DicomAcquisition.From(info, salt: null);

        // Assert
        Assert.Null(acquisition.SopInstanceUidHash);
        Assert.Equal("DX", acquisition.Modality);
    }

    [Fact]
    public void From_DifferentSalts_DifferentHashes()
    {
        // Arrange
        DicomInfo info = Decode(Grey("DX", "PA"));

        // Act
        string? first = DicomAcquisition.From(info, Salt).SopInstanceUidHash;
        string? second = DicomAcquisition.From(info, Salt + "-rotated").SopInstanceUidHash;

        // Assert
        Assert.NotNull(first);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("too-short", false)]
    [InlineData("sixteen-chars-ok", true)]
    [InlineData(null, true)]
    public void Validate_DicomUidSalt_RefusesShortSalts(string? salt, bool valid)
    {
        // Arrange
        ImageInputOptions options = new() { DicomUidSalt = salt };

        // Act
        bool result = Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true);

        // Assert
        Assert.Equal(valid, result);
    }

    [Fact]
    public void LoadTensor_Png_NoDicomInfo()
    {
        // Arrange
        using Image<L8> image = new(32, 32, new L8(128));
        using MemoryStream stream = new();
        image.SaveAsPng(stream);
        byte[] png = stream.ToArray();

        // Act
        PreprocessedImage result = XrayPreprocessor.Default.LoadTensor(png, new float[XrayPreprocessor.TensorLength]);

        // Assert
        Assert.Null(result.Dicom);
    }

    private static DicomInfo Decode(byte[] file) =>
        XrayPreprocessor.Default.LoadTensor(file, new float[XrayPreprocessor.TensorLength]).Dicom!;

    private static byte[] Grey(string modality, string view) => new DicomWriter()
        .Image(32, 32, "MONOCHROME2", 8, 8)
        .Text(0x0008_0060, "CS", modality)
        .Text(0x0018_5101, "CS", view)
        .Text(0x0008_0018, "UI", SopInstanceUid)
        .Pixels([.. Enumerable.Range(0, 32 * 32).Select(i => (byte)i)])
        .ToPart10(DicomWriter.Explicit);
}
