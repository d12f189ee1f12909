namespace ServerlessCovid.Testing.Imaging;

/// <summary>
/// DICOM files as a modality writes them, patient attributes included, for the tests that send DICOM through an
/// entry point and must show that none of those attributes comes out the other side.
/// </summary>
public static class TestDicomFiles
{
    /// <summary>Patient and study attributes every file here carries, with values no other text in a test contains.</summary>
    public static IReadOnlyList<(uint Tag, string Vr, string Value)> PatientAttributes { get; } =
    [
        (0x0008_0018, "UI", "1.2.826.0.1.3680043.9.4711.20261205"), // SOP Instance UID: links back to the PACS record
        (0x0008_0050, "SH", "ACC-4711-PHI"), // Accession Number
        (0x0008_0080, "LO", "ST-PHI-INFIRMARY"), // Institution Name
        (0x0008_0090, "PN", "HOUSE^GREGORY^PHI"), // Referring Physician's Name
        (0x0010_0010, "PN", "DOE^JANE^PHI"), // Patient's Name
        (0x0010_0020, "LO", "PID-4711-SECRET"), // Patient ID
        (0x0010_0030, "DA", "19510317"), // Patient's Birth Date
        (0x0010_1000, "LO", "OTHER-PID-0815"), // Other Patient IDs
        (0x0010_1040, "LO", "221B-BAKER-ST-PHI"), // Patient's Address
    ];

    /// <summary>The values of <see cref="PatientAttributes"/>, which must never appear in what the service stores or logs.</summary>
    public static IReadOnlyList<string> PatientValues { get; } = [.. PatientAttributes.Select(a => a.Value)];

    /// <summary>
    /// An 8-bit RGB Part 10 file (explicit VR little endian) filled with one colour, acquisition attributes
    /// (modality DX, view PA) and <see cref="PatientAttributes"/>. The colour is what channel-contrast test models score.
    /// </summary>
    public static byte[] Rgb(int size, byte red, byte green, byte blue, string transferSyntax = DicomWriter.Explicit)
    {
        byte[] pixels = new byte[size * size * 3];
        for (int i = 0; i < pixels.Length; i += 3)
        {
            (pixels[i], pixels[i + 1], pixels[i + 2]) = (red, green, blue);
        }

        DicomWriter writer = new DicomWriter()
            .Image(size, size, "RGB", 8, 8, samples: 3)
            .UInt16(0x0028_0006, 0)
            .Text(0x0008_0060, "CS", "DX")
            .Text(0x0018_5101, "CS", "PA")
            .Pixels(pixels);
        foreach ((uint tag, string vr, string value) in PatientAttributes)
        {
            writer.Text(tag, vr, value);
        }

        return writer.ToPart10(transferSyntax);
    }

    /// <summary>Red brighter than green, as a DICOM file: channel-contrast test models say covid.</summary>
    public static byte[] Covid(int size = 48) => Rgb(size, 200, 40, 60);

    /// <summary>Green brighter than red, as a DICOM file: channel-contrast test models say normal.</summary>
    public static byte[] Normal(int size = 48) => Rgb(size, 40, 200, 60);
}
