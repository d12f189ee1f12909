using System.Buffers.Binary;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>Finds the first frame's bytes in native or encapsulated pixel data (PS3.5 §8.2 and A.4).</summary>
internal static class DicomFrames
{
    /// <summary>Native pixel data must hold every declared frame; a shorter value is a truncated file.</summary>
    public static DicomRange FirstNative(DicomRange pixels, DicomPixelModule module)
    {
        long needed = module.FrameBytes * module.Frames;
        if (pixels.Length < needed)
        {
            throw DicomErrors.Corrupt(
                $"the pixel data holds {pixels.Length:N0} bytes; {module.Frames} frame(s) of {module.Rows}×{module.Columns}×"
                + $"{module.SamplesPerPixel} at {module.BitsAllocated} bits need {needed:N0}");
        }

        return new DicomRange(pixels.Offset, (int)module.FrameBytes);
    }

    /// <summary>
    /// The fragments of frame 1. With a basic offset table, its first two entries delimit them; without one, a
    /// single-frame image is all fragments, an RLE frame is exactly one fragment (A.4.2), and a JPEG frame runs to
    /// the next fragment that starts a new JPEG stream (SOI). Offsets that do not land on fragment boundaries,
    /// or fewer fragments than frames, are corrupt.
    /// </summary>
    public static List<DicomRange> FirstEncapsulated(ReadOnlySpan<byte> data, DicomDataset dataset, DicomPixelModule module, DicomPixelEncoding encoding)
    {
        List<DicomRange> items = dataset.PixelItems!;
        List<int> starts = dataset.PixelItemStarts!;
        if (items.Count < 2)
        {
            throw DicomErrors.Corrupt("the encapsulated pixel data holds no fragments");
        }

        int fragments = items.Count - 1;
        if (fragments < module.Frames)
        {
            throw DicomErrors.Corrupt($"the encapsulated pixel data holds {fragments} fragment(s) for {module.Frames} frames");
        }

        DicomRange table = items[0];
        if (table.Length % 4 != 0)
        {
            throw DicomErrors.Corrupt($"the basic offset table is {table.Length} bytes, not a multiple of 4");
        }

        if (table.Length > 0)
        {
            return ByOffsetTable(data.Slice(table.Offset, table.Length), items, starts, module.Frames);
        }

        if (module.Frames == 1)
        {
            return items.GetRange(1, fragments);
        }

        if (encoding == DicomPixelEncoding.RleLossless)
        {
            return items.GetRange(1, 1);
        }

        int end = 2;
        while (end < items.Count && !StartsJpeg(data, items[end]))
        {
            end++;
        }

        return items.GetRange(1, end - 1);
    }

    private static List<DicomRange> ByOffsetTable(ReadOnlySpan<byte> table, List<DicomRange> items, List<int> starts, int frames)
    {
        int entries = table.Length / 4;
        if (entries != frames)
        {
            throw DicomErrors.Corrupt($"the basic offset table lists {entries} frame(s); the dataset declares {frames}");
        }

        // Offsets count from the first byte of the first fragment's item tag.
        int origin = starts[1];
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(table);
        long next = entries > 1 ? BinaryPrimitives.ReadUInt32LittleEndian(table[4..]) : long.MaxValue;
        if (first != 0 || next <= first)
        {
            throw DicomErrors.Corrupt("the basic offset table does not start at 0 and increase");
        }

        List<DicomRange> frame = [];
        bool nextFound = entries == 1;
        for (int i = 1; i < items.Count; i++)
        {
            long offset = starts[i] - origin;
            if (offset == next)
            {
                nextFound = true;
                break;
            }

            if (offset > next)
            {
                break;
            }

            frame.Add(items[i]);
        }

        if (!nextFound)
        {
            throw DicomErrors.Corrupt($"the basic offset table points at byte {next} of the fragments, which is not a fragment boundary");
        }

        return frame;
    }

    private static bool StartsJpeg(ReadOnlySpan<byte> data, DicomRange fragment) =>
        fragment.Length >= 2 && data[fragment.Offset] == 0xFF && data[fragment.Offset + 1] == 0xD8;
}
