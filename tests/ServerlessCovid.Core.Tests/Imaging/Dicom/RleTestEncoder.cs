using System.Buffers.Binary;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>
/// A small RLE Lossless encoder (DICOM PS3.5 Annex G) for round-trip tests: one segment per byte plane, most
/// significant byte first, PackBits runs that never cross a row (G.3.1), each segment padded to even length.
/// </summary>
internal static class RleTestEncoder
{
    /// <summary>Encodes native little-endian, pixel-interleaved data.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> native, int rows, int columns, int samplesPerPixel, int bitsAllocated)
    {
        int bytesPerSample = bitsAllocated / 8;
        int stride = samplesPerPixel * bytesPerSample;
        int segmentCount = stride;
        var segments = new List<byte[]>();
        for (int s = 0; s < segmentCount; s++)
        {
            int sample = s / bytesPerSample;
            int byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
            int offset = (sample * bytesPerSample) + byteInSample;
            var segment = new List<byte>();
            byte[] row = new byte[columns];
            for (int y = 0; y < rows; y++)
            {
                for (int x = 0; x < columns; x++)
                {
                    row[x] = native[(((y * columns) + x) * stride) + offset];
                }

                PackBits(row, segment);
            }

            if (segment.Count % 2 != 0)
            {
                segment.Add(0);
            }

            segments.Add([.. segment]);
        }

        return Assemble(segments);
    }

    /// <summary>Writes the 64-byte header (segment count and offsets) followed by the given segments.</summary>
    public static byte[] Assemble(IReadOnlyList<byte[]> segments)
    {
        byte[] header = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)segments.Count);
        int offset = 64;
        for (int s = 0; s < segments.Count; s++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4 + (4 * s)), (uint)offset);
            offset += segments[s].Length;
        }

        return [.. header, .. segments.SelectMany(segment => segment)];
    }

    private static void PackBits(ReadOnlySpan<byte> row, List<byte> output)
    {
        int i = 0;
        while (i < row.Length)
        {
            int run = 1;
            while (i + run < row.Length && run < 128 && row[i + run] == row[i])
            {
                run++;
            }

            if (run >= 2)
            {
                output.Add((byte)(sbyte)(1 - run));
                output.Add(row[i]);
                i += run;
                continue;
            }

            int start = i;
            while (i < row.Length && i - start < 128 && (i + 1 >= row.Length || row[i + 1] != row[i]))
            {
                i++;
            }

            if (i == start)
            {
                i++; // a lone byte right before a run
            }

            output.Add((byte)(i - start - 1));
            for (int k = start; k < i; k++)
            {
                output.Add(row[k]);
            }
        }
    }
}
