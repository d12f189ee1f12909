using System.Buffers.Binary;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>The VOI LUT of the first VOI LUT Sequence item (PS3.3 C.11.2.1.1): descriptor and entries.</summary>
internal sealed record DicomVoiLut(int FirstMapped, int BitsPerEntry, ushort[] Entries);

/// <summary>
/// The Image Pixel module (PS3.3 C.7.6.3) and the attributes of the C.11 display pipeline, validated: every value
/// the pipeline relies on is checked here, so rendering cannot index out of range.
/// </summary>
internal sealed record DicomPixelModule(
    int Rows,
    int Columns,
    int SamplesPerPixel,
    string Photometric,
    int PlanarConfiguration,
    int BitsAllocated,
    int BitsStored,
    int HighBit,
    bool Signed,
    int Frames,
    double RescaleSlope,
    double RescaleIntercept,
    double? WindowCenter,
    double? WindowWidth,
    string VoiFunction,
    DicomVoiLut? VoiLut,
    bool PresentationInverse)
{
    public const string Monochrome1 = "MONOCHROME1";
    public const string Monochrome2 = "MONOCHROME2";
    public const string Rgb = "RGB";

    public int BytesPerSample => BitsAllocated / 8;

    public long FrameBytes => (long)Rows * Columns * SamplesPerPixel * BytesPerSample;

    public bool IsGrey => SamplesPerPixel == 1;

    public static DicomPixelModule Read(ReadOnlySpan<byte> data, DicomDataset dataset, DicomTransferSyntax syntax)
    {
        int rows = dataset.UInt16(data, DicomTags.Rows) ?? throw DicomErrors.Corrupt("Rows (0028,0010) is missing");
        int columns = dataset.UInt16(data, DicomTags.Columns) ?? throw DicomErrors.Corrupt("Columns (0028,0011) is missing");
        int samples = dataset.UInt16(data, DicomTags.SamplesPerPixel) ?? 1;
        string photometric = dataset.Text(data, DicomTags.PhotometricInterpretation)
            ?? throw DicomErrors.Corrupt("Photometric Interpretation (0028,0004) is missing");
        int bitsAllocated = dataset.UInt16(data, DicomTags.BitsAllocated) ?? throw DicomErrors.Corrupt("Bits Allocated (0028,0100) is missing");
        int bitsStored = dataset.UInt16(data, DicomTags.BitsStored) ?? bitsAllocated;
        int highBit = dataset.UInt16(data, DicomTags.HighBit) ?? (bitsStored - 1);
        int representation = dataset.UInt16(data, DicomTags.PixelRepresentation) ?? 0;
        double frames = dataset.Number(data, DicomTags.NumberOfFrames) ?? 1;

        if (bitsAllocated is not (8 or 16))
        {
            throw DicomErrors.Unsupported($"Bits Allocated {bitsAllocated} (8 and 16 are supported)");
        }

        if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated || representation > 1)
        {
            throw DicomErrors.Corrupt(
                $"Bits Stored {bitsStored}, High Bit {highBit} and Pixel Representation {representation} do not fit Bits Allocated {bitsAllocated}");
        }

        if (frames < 1 || frames > int.MaxValue || frames != Math.Floor(frames))
        {
            throw DicomErrors.Corrupt($"Number of Frames {frames} is not a positive whole number");
        }

        bool ybr = photometric is "YBR_FULL" or "YBR_FULL_422";
        bool valid = (samples, photometric) switch
        {
            (1, Monochrome1 or Monochrome2) => true,
            (3, Rgb) => true,
            (3, _) when ybr && syntax.Encoding == DicomPixelEncoding.JpegBaseline => true, // the JPEG decoder converts to RGB
            _ => false,
        };
        if (!valid)
        {
            throw DicomErrors.Unsupported($"Photometric Interpretation {photometric} with {samples} samples per pixel "
                + "(MONOCHROME1, MONOCHROME2 and RGB are supported)");
        }

        double slope = dataset.Number(data, DicomTags.RescaleSlope) ?? 1;
        double intercept = dataset.Number(data, DicomTags.RescaleIntercept) ?? 0;
        double? center = dataset.Number(data, DicomTags.WindowCenter);
        double? width = dataset.Number(data, DicomTags.WindowWidth);
        string function = dataset.Text(data, DicomTags.VoiLutFunction) ?? "LINEAR";
        if (function is not ("LINEAR" or "LINEAR_EXACT" or "SIGMOID"))
        {
            throw DicomErrors.Corrupt($"VOI LUT Function '{function}' is not one of LINEAR, LINEAR_EXACT, SIGMOID");
        }

        if (center is not null && width is not null && (width < (function == "LINEAR" ? 1 : double.Epsilon)))
        {
            throw DicomErrors.Corrupt($"Window Width {width} is below the minimum PS3.3 C.11.2.1.2 allows");
        }

        string? shape = dataset.Text(data, DicomTags.PresentationLutShape);
        return new DicomPixelModule(
            rows, columns, samples, ybr ? Rgb : photometric, dataset.UInt16(data, DicomTags.PlanarConfiguration) ?? 0,
            bitsAllocated, bitsStored, highBit, representation == 1, (int)frames, slope, intercept,
            center is not null && width is not null ? center : null, center is not null && width is not null ? width : null,
            function, ReadVoiLut(data, dataset, representation == 1), shape == "INVERSE");
    }

    private static DicomVoiLut? ReadVoiLut(ReadOnlySpan<byte> data, DicomDataset dataset, bool signed)
    {
        if (dataset.LutDescriptor is not { } descriptor || dataset.LutData is not { } lutData)
        {
            return null;
        }

        if (descriptor.Length < 6)
        {
            throw DicomErrors.Corrupt("the VOI LUT Descriptor (0028,3002) does not hold three values");
        }

        ReadOnlySpan<byte> d = data.Slice(descriptor.Offset, 6);
        int declared = BinaryPrimitives.ReadUInt16LittleEndian(d);
        int count = declared == 0 ? 65536 : declared; // 0 means 2^16 entries (C.11.2.1.1)
        int first = signed ? BinaryPrimitives.ReadInt16LittleEndian(d[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(d[2..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(d[4..]);
        if (bits is < 8 or > 16)
        {
            throw DicomErrors.Corrupt($"the VOI LUT declares {bits} bits per entry (8 to 16 are valid)");
        }

        ReadOnlySpan<byte> bytes = data.Slice(lutData.Offset, lutData.Length);
        ushort[] entries = new ushort[count];
        if (bytes.Length >= 2 * count)
        {
            for (int i = 0; i < count; i++)
            {
                entries[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
            }
        }
        else if (bits == 8 && bytes.Length >= count)
        {
            // 8-bit entries packed two to a word (OW), as some writers store them.
            for (int i = 0; i < count; i++)
            {
                entries[i] = bytes[i];
            }
        }
        else
        {
            throw DicomErrors.Corrupt($"the VOI LUT Data holds {bytes.Length:N0} bytes for the {count:N0} entries its descriptor declares");
        }

        int max = (1 << bits) - 1;
        foreach (ushort entry in entries)
        {
            if (entry > max)
            {
                throw DicomErrors.Corrupt($"a VOI LUT entry {entry} exceeds its {bits} bits");
            }
        }

        return new DicomVoiLut(first, bits, entries);
    }
}
