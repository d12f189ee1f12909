using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// Turns one frame of stored values into an 8-bit display image following the grayscale pipeline of PS3.3 C.11
/// (Figure C.11-1): stored value → Modality LUT (C.11.1: Rescale Slope/Intercept) → VOI LUT (C.11.2: the first
/// Window Center/Width pair through its VOI LUT Function, C.11.2.1.2.1 for LINEAR; else the first VOI LUT Sequence
/// item; else, as the standard leaves it to the application, min–max of the frame's modality values) →
/// Presentation LUT (C.11.6: MONOCHROME1 or Presentation LUT Shape INVERSE inverts). The output range is 0–255 and
/// values round half away from zero. RGB (C.7.6.3.1.2) is scaled to 8 bits and has no VOI stage.
/// </summary>
/// <remarks>
/// Why a table: a stored value has at most 16 bits, so the whole chain is evaluated once per possible stored value
/// (at most 65,536 entries) and each pixel is one masked load and one table lookup, whatever the frame size.
/// </remarks>
internal static class DicomPixelPipeline
{
    /// <summary>Below this many pixels one core renders faster than two can be started.</summary>
    private const long ParallelMinimumPixels = 1 << 20;

    /// <summary>Renders <paramref name="frame"/> (native layout) into <paramref name="display"/> (rows × columns × channels).</summary>
    public static void Render(ReadOnlySpan<byte> frame, DicomPixelModule module, Span<byte> display, DecodeBudget budget)
    {
        byte[] table = module.IsGrey ? GreyTable(frame, module, budget) : ScaleTable(module);
        int shift = module.HighBit + 1 - module.BitsStored;
        int mask = (1 << module.BitsStored) - 1;
        int samplesPerRow = module.Columns * module.SamplesPerPixel;
        bool planar = module.SamplesPerPixel == 3 && module.PlanarConfiguration == 1;
        if (!planar && BitConverter.IsLittleEndian)
        {
            RenderInterleaved(frame, module, display, table, budget);
            return;
        }

        int plane = module.Rows * module.Columns;
        for (int y = 0; y < module.Rows; y++)
        {
            budget.Check();
            Span<byte> row = display.Slice(y * samplesPerRow, samplesPerRow);
            for (int i = 0; i < samplesPerRow; i++)
            {
                // Planar RGB (C.7.6.3.1.3) holds all reds, then all greens, then all blues.
                int sample = planar ? ((i % 3) * plane) + (y * module.Columns) + (i / 3) : (y * samplesPerRow) + i;
                int raw = module.BytesPerSample == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(frame[(2 * sample)..]) : frame[sample];
                row[i] = table[(raw >> shift) & mask];
            }
        }
    }

    /// <summary>
    /// The common layout (grey or pixel-interleaved, little endian like the machine): one table lookup per sample
    /// over the frame read in place, which makes uncompressed 16-bit DICOM the cheapest input to render.
    /// </summary>
    private static unsafe void RenderInterleaved(ReadOnlySpan<byte> frame, DicomPixelModule module, Span<byte> display, byte[] table, DecodeBudget budget)
    {
        if ((long)module.Rows * module.Columns < ParallelMinimumPixels || Environment.ProcessorCount < 2)
        {
            RenderRows(frame, module, display, table, budget, 0, module.Rows);
            return;
        }

        // Rows are independent: two halves on two cores, the caller's bytes pinned until both have finished.
        fixed (byte* source = frame)
        fixed (byte* target = display)
        {
            (nint from, int fromLength, nint to, int toLength) = ((nint)source, frame.Length, (nint)target, display.Length);
            int half = module.Rows / 2;
            Parallel.Invoke(
                () => RenderRows(new ReadOnlySpan<byte>((void*)from, fromLength), module, new Span<byte>((void*)to, toLength), table, budget, 0, half),
                () => RenderRows(new ReadOnlySpan<byte>((void*)from, fromLength), module, new Span<byte>((void*)to, toLength), table, budget, half, module.Rows));
        }
    }

    private static void RenderRows(
        ReadOnlySpan<byte> frame, DicomPixelModule module, Span<byte> display, byte[] table, DecodeBudget budget, int firstRow, int endRow)
    {
        int shift = module.HighBit + 1 - module.BitsStored;
        int mask = (1 << module.BitsStored) - 1;
        int samplesPerRow = module.Columns * module.SamplesPerPixel;
        ReadOnlySpan<byte> lookup = table;
        ReadOnlySpan<ushort> wide = module.BytesPerSample == 2 ? MemoryMarshal.Cast<byte, ushort>(frame) : default;
        for (int y = firstRow; y < endRow; y++)
        {
            budget.Check();
            Span<byte> row = display.Slice(y * samplesPerRow, samplesPerRow);
            if (module.BytesPerSample == 2)
            {
                ReadOnlySpan<ushort> source = wide.Slice(y * samplesPerRow, samplesPerRow);
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = lookup[(source[i] >> shift) & mask];
                }
            }
            else
            {
                ReadOnlySpan<byte> source = frame.Slice(y * samplesPerRow, samplesPerRow);
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = lookup[(source[i] >> shift) & mask];
                }
            }
        }
    }

    /// <summary>The stored value a masked index stands for: two's complement of Bits Stored bits when signed.</summary>
    public static int StoredValue(int index, DicomPixelModule module) =>
        module.Signed && (index & (1 << (module.BitsStored - 1))) != 0 ? index - (1 << module.BitsStored) : index;

    private static byte[] GreyTable(ReadOnlySpan<byte> frame, DicomPixelModule module, DecodeBudget budget)
    {
        int count = 1 << module.BitsStored;
        Func<double, double> voi = Voi(frame, module, budget);
        bool invert = module.Photometric == DicomPixelModule.Monochrome1 || module.PresentationInverse;
        byte[] table = new byte[count];
        for (int index = 0; index < count; index++)
        {
            double modality = (module.RescaleSlope * StoredValue(index, module)) + module.RescaleIntercept;
            byte value = ToByte(voi(modality));
            table[index] = invert ? (byte)(255 - value) : value;
        }

        return table;
    }

    /// <summary>The VOI stage as a function of the modality value, with output in [0, 255].</summary>
    private static Func<double, double> Voi(ReadOnlySpan<byte> frame, DicomPixelModule module, DecodeBudget budget)
    {
        const double YMax = 255;
        if (module.WindowCenter is double c && module.WindowWidth is double w)
        {
            return module.VoiFunction switch
            {
                // C.11.2.1.2.1
                "LINEAR" => x => x <= c - 0.5 - ((w - 1) / 2) ? 0
                    : x > c - 0.5 + ((w - 1) / 2) ? YMax
                    : (((x - (c - 0.5)) / (w - 1)) + 0.5) * YMax,

                // C.11.2.1.3.2
                "LINEAR_EXACT" => x => x <= c - (w / 2) ? 0 : x > c + (w / 2) ? YMax : (((x - c) / w) + 0.5) * YMax,

                // C.11.2.1.3.1
                _ => x => YMax / (1 + Math.Exp(-4 * (x - c) / w)),
            };
        }

        if (module.VoiLut is { } lut)
        {
            // C.11.2.1.1: inputs below the first mapped value take the first entry, above the last the last.
            double scale = YMax / ((1 << lut.BitsPerEntry) - 1);
            return x => lut.Entries[Math.Clamp((int)Math.Floor(x) - lut.FirstMapped, 0, lut.Entries.Length - 1)] * scale;
        }

        (int min, int max) = StoredRange(frame, module, budget);
        double low = (module.RescaleSlope * min) + module.RescaleIntercept;
        double high = (module.RescaleSlope * max) + module.RescaleIntercept;
        if (low > high)
        {
            (low, high) = (high, low);
        }

        return high == low ? _ => 0 : x => (x - low) / (high - low) * YMax;
    }

    /// <summary>Smallest and largest stored value of the frame (the min–max VOI needs the frame's own range).</summary>
    private static (int Min, int Max) StoredRange(ReadOnlySpan<byte> frame, DicomPixelModule module, DecodeBudget budget)
    {
        int shift = module.HighBit + 1 - module.BitsStored;
        int mask = (1 << module.BitsStored) - 1;
        int pixels = module.Rows * module.Columns;
        int min = int.MaxValue;
        int max = int.MinValue;
        for (int i = 0; i < pixels; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                budget.Check();
            }

            int raw = module.BytesPerSample == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(frame[(2 * i)..]) : frame[i];
            int value = StoredValue((raw >> shift) & mask, module);
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }

        return (min, max);
    }

    /// <summary>RGB: each sample's Bits Stored range stretched to 0–255.</summary>
    private static byte[] ScaleTable(DicomPixelModule module)
    {
        int count = 1 << module.BitsStored;
        byte[] table = new byte[count];
        for (int i = 0; i < count; i++)
        {
            table[i] = ToByte(i * 255.0 / (count - 1));
        }

        return table;
    }

    private static byte ToByte(double value) => (byte)Math.Round(Math.Clamp(value, 0, 255), MidpointRounding.AwayFromZero);
}
