namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>How the pixel data of a transfer syntax is held, and so which decoder reads it.</summary>
internal enum DicomPixelEncoding
{
    Native,
    JpegBaseline,
    JpegLossless,
    RleLossless,
}

/// <summary>
/// The transfer syntaxes the reader implements (PS3.5 §10 and Annex A). Anything else, big endian, JPEG 2000 and
/// JPEG-LS among them, is refused with <see cref="ImageErrorCodes.UnsupportedTransferSyntax"/> naming the UID.
/// </summary>
internal sealed record DicomTransferSyntax(string Uid, string Name, bool ExplicitVr, bool Deflated, DicomPixelEncoding Encoding)
{
    public const string ImplicitVrLittleEndianUid = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndianUid = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVrLittleEndianUid = "1.2.840.10008.1.2.1.99";
    public const string JpegBaselineUid = "1.2.840.10008.1.2.4.50";
    public const string JpegLosslessUid = "1.2.840.10008.1.2.4.57";
    public const string JpegLosslessSv1Uid = "1.2.840.10008.1.2.4.70";
    public const string RleLosslessUid = "1.2.840.10008.1.2.5";

    public static DicomTransferSyntax ImplicitVrLittleEndian { get; } =
        new(ImplicitVrLittleEndianUid, "Implicit VR Little Endian", false, false, DicomPixelEncoding.Native);

    public static DicomTransferSyntax ExplicitVrLittleEndian { get; } =
        new(ExplicitVrLittleEndianUid, "Explicit VR Little Endian", true, false, DicomPixelEncoding.Native);

    private static readonly DicomTransferSyntax[] Supported =
    [
        ImplicitVrLittleEndian,
        ExplicitVrLittleEndian,
        new(DeflatedExplicitVrLittleEndianUid, "Deflated Explicit VR Little Endian", true, true, DicomPixelEncoding.Native),
        new(JpegBaselineUid, "JPEG Baseline (Process 1)", true, false, DicomPixelEncoding.JpegBaseline),
        new(JpegLosslessUid, "JPEG Lossless (Process 14)", true, false, DicomPixelEncoding.JpegLossless),
        new(JpegLosslessSv1Uid, "JPEG Lossless SV1 (Process 14)", true, false, DicomPixelEncoding.JpegLossless),
        new(RleLosslessUid, "RLE Lossless", true, false, DicomPixelEncoding.RleLossless),
    ];

    /// <summary>Names for the refusals people will meet most, so the reason says what the file is.</summary>
    private static readonly Dictionary<string, string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        ["1.2.840.10008.1.2.2"] = "Explicit VR Big Endian",
        ["1.2.840.10008.1.2.4.51"] = "JPEG Extended (12-bit)",
        ["1.2.840.10008.1.2.4.80"] = "JPEG-LS Lossless",
        ["1.2.840.10008.1.2.4.81"] = "JPEG-LS Near-Lossless",
        ["1.2.840.10008.1.2.4.90"] = "JPEG 2000 Lossless",
        ["1.2.840.10008.1.2.4.91"] = "JPEG 2000",
        ["1.2.840.10008.1.2.4.201"] = "HTJ2K Lossless",
        ["1.2.840.10008.1.2.4.203"] = "HTJ2K",
    };

    /// <exception cref="ImageRejectedException"><see cref="ImageErrorCodes.UnsupportedTransferSyntax"/>.</exception>
    public static DicomTransferSyntax Find(string uid)
    {
        foreach (DicomTransferSyntax syntax in Supported)
        {
            if (syntax.Uid == uid)
            {
                return syntax;
            }
        }

        string name = KnownUnsupported.TryGetValue(uid, out string? known) ? $" ({known})" : string.Empty;
        throw new ImageRejectedException(
            ImageErrorCodes.UnsupportedTransferSyntax,
            $"The DICOM transfer syntax {uid}{name} is not supported; re-encode the file as Explicit VR Little Endian, "
            + "JPEG Lossless SV1, RLE Lossless or JPEG Baseline (e.g. dcmdjpeg / gdcmconv --raw) before uploading.");
    }
}
