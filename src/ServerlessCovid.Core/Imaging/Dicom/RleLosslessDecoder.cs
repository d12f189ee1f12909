using System.Buffers.Binary;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// Decodes one frame of RLE Lossless pixel data (transfer syntax 1.2.840.10008.1.2.5, DICOM PS3.5 Annex G) into the
/// layout native uncompressed pixel data has: little-endian, samples interleaved per pixel.
/// </summary>
public static class RleLosslessDecoder
{
    private const int HeaderLength = 64;
    private const int MaxSegments = 15;

    /// <summary>Decodes <paramref name="frame"/> (the header and its segments, exactly one frame's fragments joined).</summary>
    /// <exception cref="ImageRejectedException">With <see cref="ImageErrorCodes.Corrupt"/> for any malformed frame.</exception>
    public static byte[] DecodeFrame(ReadOnlySpan<byte> frame, int rows, int columns, int samplesPerPixel, int bitsAllocated, CancellationToken cancellationToken)
    {
        PixelFrameLayout layout = PixelFrameLayout.Validate(rows, columns, samplesPerPixel, bitsAllocated, "RLE");
        int bytesPerSample = layout.BytesPerSample;
        int segmentCount = samplesPerPixel * bytesPerSample;
        Span<int> starts = stackalloc int[MaxSegments];
        Span<int> ends = stackalloc int[MaxSegments];
        ReadSegmentTable(frame, segmentCount, starts, ends);

        // Each two-byte replicate run yields at most 128 bytes (PS3.5 G.3.1), so a segment shorter than that bound
        // cannot fill its plane: refuse before allocating what the declared dimensions would cost.
        long pixels = layout.Pixels;
        for (int s = 0; s < segmentCount; s++)
        {
            if ((long)(ends[s] - starts[s]) * 64 < pixels)
            {
                throw Corrupt($"RLE segment {s + 1} is {ends[s] - starts[s]} bytes, too short to hold {pixels} pixels; the frame is truncated or its rows/columns are wrong.");
            }
        }

        byte[] output = new byte[layout.FrameBytes];
        int pixelStride = samplesPerPixel * bytesPerSample;
        for (int s = 0; s < segmentCount; s++)
        {
            // Segments run sample by sample, most significant byte first (PS3.5 G.2); native data is little-endian.
            int sample = s / bytesPerSample;
            int byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
            DecodeSegment(frame[starts[s]..ends[s]], s + 1, output, (sample * bytesPerSample) + byteInSample, pixelStride, columns, pixels, cancellationToken);
        }

        return output;
    }

    private static void ReadSegmentTable(ReadOnlySpan<byte> frame, int expectedSegments, Span<int> starts, Span<int> ends)
    {
        if (frame.Length < HeaderLength)
        {
            throw Corrupt($"The RLE frame is {frame.Length} bytes, shorter than its 64-byte segment table (PS3.5 G.4).");
        }

        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (declared != (uint)expectedSegments)
        {
            throw Corrupt($"The RLE header declares {declared} segments but samples per pixel x bytes per sample needs {expectedSegments}; the pixel module does not match the pixel data.");
        }

        for (int s = 0; s < expectedSegments; s++)
        {
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + (4 * s))..]);
            uint previousEnd = s == 0 ? HeaderLength : (uint)starts[s - 1];
            if (s == 0 ? offset != HeaderLength : offset <= previousEnd)
            {
                throw Corrupt($"RLE segment {s + 1} starts at offset {offset}; offsets must start at 64 and increase (PS3.5 G.4).");
            }

            if (offset >= (uint)frame.Length)
            {
                throw Corrupt($"RLE segment {s + 1} starts at offset {offset}, past the end of the {frame.Length}-byte frame; the pixel data is truncated.");
            }

            starts[s] = (int)offset;
        }

        for (int s = 0; s < expectedSegments; s++)
        {
            ends[s] = s + 1 < expectedSegments ? starts[s + 1] : frame.Length;
        }
    }

    private static void DecodeSegment(ReadOnlySpan<byte> segment, int segmentNumber, byte[] output, int firstIndex, int stride, int columns, long pixels, CancellationToken cancellationToken)
    {
        int written = 0;
        int position = 0;
        int nextRowCheck = 0;
        while (written < pixels)
        {
            if (written >= nextRowCheck)
            {
                cancellationToken.ThrowIfCancellationRequested();
                nextRowCheck = written + columns;
            }

            if (position >= segment.Length)
            {
                throw Corrupt($"RLE segment {segmentNumber} ends after {written} of {pixels} pixels; the pixel data is truncated.");
            }

            sbyte header = (sbyte)segment[position++];
            if (header >= 0)
            {
                int count = header + 1;
                if (position + count > segment.Length)
                {
                    throw Corrupt($"RLE segment {segmentNumber} has a literal run of {count} bytes past its end; the pixel data is truncated.");
                }

                EnsureFits(written, count, pixels, segmentNumber);
                ReadOnlySpan<byte> literal = segment.Slice(position, count);
                int index = firstIndex + (written * stride);
                for (int i = 0; i < count; i++, index += stride)
                {
                    output[index] = literal[i];
                }

                position += count;
                written += count;
            }
            else if (header != -128)
            {
                // -128 is a no-op header that encoders may emit (PS3.5 G.3.2); any other negative value replicates.
                int count = 1 - header;
                if (position >= segment.Length)
                {
                    throw Corrupt($"RLE segment {segmentNumber} has a replicate run without its byte; the pixel data is truncated.");
                }

                EnsureFits(written, count, pixels, segmentNumber);
                byte value = segment[position++];
                int index = firstIndex + (written * stride);
                for (int i = 0; i < count; i++, index += stride)
                {
                    output[index] = value;
                }

                written += count;
            }
        }

        // Bytes left after the plane is full are the even-length padding PS3.5 G.3.1 requires (and fragment padding
        // in the last segment); they carry no pixels, so they are allowed rather than treated as an overrun.
    }

    private static void EnsureFits(int written, int count, long pixels, int segmentNumber)
    {
        if (written + count > pixels)
        {
            throw Corrupt($"RLE segment {segmentNumber} decodes past {pixels} pixels (a run of {count} at pixel {written}); the frame does not match its rows and columns.");
        }
    }

    private static ImageRejectedException Corrupt(string reason) => new(ImageErrorCodes.Corrupt, reason);
}
