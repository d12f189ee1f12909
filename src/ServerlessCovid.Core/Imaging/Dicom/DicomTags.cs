namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// The handful of attributes the reader keeps, as <c>(group &lt;&lt; 16) | element</c>. Everything else, patient
/// attributes (group 0010) included, is stepped over by length and never turned into a value.
/// </summary>
internal static class DicomTags
{
    public const uint TransferSyntaxUid = 0x0002_0010;
    public const uint SopInstanceUid = 0x0008_0018;
    public const uint Modality = 0x0008_0060;
    public const uint ViewPosition = 0x0018_5101;
    public const uint SamplesPerPixel = 0x0028_0002;
    public const uint PhotometricInterpretation = 0x0028_0004;
    public const uint PlanarConfiguration = 0x0028_0006;
    public const uint NumberOfFrames = 0x0028_0008;
    public const uint Rows = 0x0028_0010;
    public const uint Columns = 0x0028_0011;
    public const uint BitsAllocated = 0x0028_0100;
    public const uint BitsStored = 0x0028_0101;
    public const uint HighBit = 0x0028_0102;
    public const uint PixelRepresentation = 0x0028_0103;
    public const uint WindowCenter = 0x0028_1050;
    public const uint WindowWidth = 0x0028_1051;
    public const uint RescaleIntercept = 0x0028_1052;
    public const uint RescaleSlope = 0x0028_1053;
    public const uint VoiLutFunction = 0x0028_1056;
    public const uint LutDescriptor = 0x0028_3002;
    public const uint LutData = 0x0028_3006;
    public const uint VoiLutSequence = 0x0028_3010;
    public const uint PresentationLutShape = 0x2050_0020;
    public const uint PixelData = 0x7FE0_0010;

    public const uint Item = 0xFFFE_E000;
    public const uint ItemDelimitation = 0xFFFE_E00D;
    public const uint SequenceDelimitation = 0xFFFE_E0DD;

    /// <summary>Attributes of the top-level dataset whose value bytes are kept (as offsets into the input).</summary>
    public static bool IsKept(uint tag) => tag switch
    {
        TransferSyntaxUid or SopInstanceUid or Modality or ViewPosition or SamplesPerPixel or PhotometricInterpretation
            or PlanarConfiguration or NumberOfFrames or Rows or Columns or BitsAllocated or BitsStored or HighBit
            or PixelRepresentation or WindowCenter or WindowWidth or RescaleIntercept or RescaleSlope or VoiLutFunction
            or PresentationLutShape => true,
        _ => false,
    };

    public static string Format(uint tag) => $"({tag >> 16:X4},{tag & 0xFFFF:X4})";
}
