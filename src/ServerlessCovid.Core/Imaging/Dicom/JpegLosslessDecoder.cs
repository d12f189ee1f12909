using System.Buffers.Binary;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// Decodes one frame of JPEG Lossless (ITU T.81 Annex H, Process 14: transfer syntaxes 1.2.840.10008.1.2.4.70 with
/// selection value 1, and 1.2.840.10008.1.2.4.57 with any predictor 1-7) into the layout native uncompressed pixel
/// data has: little-endian, samples interleaved per pixel. Huffman coding only, precision 2-16, point transform,
/// restart intervals, one interleaved scan or one scan per component.
/// </summary>
public static class JpegLosslessDecoder
{
    private const int MaxTables = 4;

    /// <summary>Decodes <paramref name="frame"/> (one frame's fragments joined, SOI to EOI).</summary>
    /// <exception cref="ImageRejectedException">With <see cref="ImageErrorCodes.Corrupt"/> for any malformed stream.</exception>
    public static byte[] DecodeFrame(ReadOnlySpan<byte> frame, int rows, int columns, int samplesPerPixel, int bitsAllocated, CancellationToken cancellationToken)
    {
        PixelFrameLayout layout = PixelFrameLayout.Validate(rows, columns, samplesPerPixel, bitsAllocated, "JPEG Lossless");
        if (frame.Length < 2 || frame[0] != 0xFF || frame[1] != 0xD8)
        {
            throw Corrupt("The JPEG Lossless frame does not start with an SOI marker (0xFFD8); the pixel data is not a JPEG stream.");
        }

        var tables = new JpegHuffmanTable?[MaxTables];
        JpegLosslessFrameHeader? header = null;
        byte[]? output = null;
        int restartInterval = 0;
        int position = 2;
        while (true)
        {
            if (position >= frame.Length && header is not null && header.AllDecoded)
            {
                break; // a stream cut right after its last scan lost only EOI, no pixels
            }

            int marker = ReadMarker(frame, ref position);
            if (marker == 0xD9)
            {
                break;
            }

            if (marker == 0xDA)
            {
                ReadOnlySpan<byte> sos = Segment(frame, ref position, "SOS");
                if (header is null || output is null)
                {
                    throw Corrupt("The JPEG stream has a scan (SOS) before its SOF3 frame header; the stream is missing SOF3.");
                }

                JpegLosslessScan scan = JpegLosslessScan.Parse(sos, header, tables);
                position = scan.Decode(frame, position, output, layout, restartInterval, cancellationToken);
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                throw Corrupt($"The JPEG stream has marker 0xFF{marker:X2} outside a scan; its restart markers or SOI are misplaced.");
            }

            ReadOnlySpan<byte> segment = Segment(frame, ref position, $"0xFF{marker:X2}");
            switch (marker)
            {
                case 0xC3:
                    if (header is not null)
                    {
                        throw Corrupt("The JPEG stream has a second frame header; a DICOM frame holds one image.");
                    }

                    header = JpegLosslessFrameHeader.Parse(segment, layout);
                    EnsureEnoughData(frame.Length - position, layout);
                    output = new byte[layout.FrameBytes];
                    break;
                case 0xC4:
                    ParseHuffmanTables(segment, tables);
                    break;
                case 0xDD:
                    restartInterval = segment.Length == 2
                        ? BinaryPrimitives.ReadUInt16BigEndian(segment)
                        : throw Corrupt("The DRI segment is not 4 bytes long; the restart interval is unreadable.");
                    break;
                case >= 0xE0 and <= 0xEF or 0xFE or 0xDB:
                    break; // application data, comments and (unused in lossless) quantisation tables carry no pixels
                case 0xC0 or 0xC1 or 0xC2:
                    throw Corrupt($"The JPEG stream is a DCT (lossy) image (SOF{marker - 0xC0}), not lossless SOF3; its transfer syntax UID is wrong.");
                case >= 0xC5 and <= 0xCF:
                    throw Corrupt($"The JPEG stream uses marker 0xFF{marker:X2} (hierarchical or arithmetic coding), which DICOM JPEG Lossless (Process 14) does not allow.");
                default:
                    throw Corrupt($"The JPEG stream has unexpected marker 0xFF{marker:X2} outside a scan; it is corrupt or not Process 14.");
            }
        }

        if (header is null || output is null)
        {
            throw Corrupt("The JPEG stream ends without an SOF3 frame header; it is missing SOF3 or is not JPEG Lossless.");
        }

        if (!header.AllDecoded)
        {
            throw Corrupt("The JPEG stream ends before every component was decoded; a scan (SOS) is missing.");
        }

        return output;
    }

    private static int ReadMarker(ReadOnlySpan<byte> frame, ref int position)
    {
        if (position >= frame.Length || frame[position] != 0xFF)
        {
            string found = position >= frame.Length ? "the end of the data" : $"byte 0x{frame[position]:X2}";
            throw Corrupt($"A JPEG marker was expected at offset {position} but {found} was found; the stream is truncated or corrupt (missing EOI, SOF3, DHT or SOS).");
        }

        while (position < frame.Length && frame[position] == 0xFF)
        {
            position++; // fill bytes before a marker (T.81 B.1.1.2)
        }

        if (position >= frame.Length || frame[position] == 0)
        {
            throw Corrupt($"The JPEG stream has a broken marker at offset {position}; it is truncated or corrupt.");
        }

        return frame[position++];
    }

    private static ReadOnlySpan<byte> Segment(ReadOnlySpan<byte> frame, ref int position, string name)
    {
        if (position + 2 > frame.Length)
        {
            throw Corrupt($"The JPEG {name} segment is cut off before its length; the stream is truncated.");
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(frame[position..]);
        if (length < 2 || position + length > frame.Length)
        {
            throw Corrupt($"The JPEG {name} segment at offset {position} declares {length} bytes, past the end of the {frame.Length}-byte frame; the stream is truncated.");
        }

        ReadOnlySpan<byte> body = frame.Slice(position + 2, length - 2);
        position += length;
        return body;
    }

    private static void ParseHuffmanTables(ReadOnlySpan<byte> segment, JpegHuffmanTable?[] tables)
    {
        while (!segment.IsEmpty)
        {
            int tableClass = segment[0] >> 4;
            int tableId = segment[0] & 0x0F;
            if (tableClass > 1 || tableId >= MaxTables)
            {
                throw Corrupt($"The DHT segment names table class {tableClass}, id {tableId}; classes are 0-1 and ids 0-3 (T.81 B.2.4.2).");
            }

            JpegHuffmanTable table = JpegHuffmanTable.Parse(segment[1..], tableId, out int consumed);

            // Lossless scans use only DC-class tables (T.81 H.2.2); an AC-class table is legal but never used.
            if (tableClass == 0)
            {
                tables[tableId] = table;
            }

            segment = segment[(1 + consumed)..];
        }
    }

    private static void EnsureEnoughData(int remaining, PixelFrameLayout layout)
    {
        // Every sample costs at least a one-bit Huffman code, so a stream with fewer bits than samples cannot be this
        // frame: refuse it before allocating the declared size.
        long samples = layout.Pixels * layout.SamplesPerPixel;
        if ((long)remaining * 8 < samples)
        {
            throw Corrupt($"The JPEG stream has {remaining} bytes after its frame header, too few for {samples} samples; it is truncated or its rows/columns are wrong.");
        }
    }

    internal static ImageRejectedException Corrupt(string reason) => new(ImageErrorCodes.Corrupt, reason);
}
