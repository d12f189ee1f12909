using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// Decodes the PNG flavours most x-ray exports are (8- or 16-bit greyscale, not interlaced, no EXIF) several times
/// faster than ImageSharp 2.1: inflate with the runtime's zlib, undo the row filters in place, and hand the rows
/// to the resampler without building an image. Everything else, and anything odd, goes to ImageSharp.
/// </summary>
/// <remarks>
/// Reads the header itself (signature, IHDR and its CRC) so that the upload is neither copied nor identified by
/// ImageSharp; the caller checks the pixel caps from <see cref="TryReadHeader"/> before anything is allocated.
/// Damage is reported, never guessed around: a missing IEND, a short or corrupt zlib stream, a bad IHDR CRC and
/// unknown filter types are all <see cref="ImageErrorCodes.Corrupt"/>; an unknown critical chunk is
/// <see cref="ImageErrorCodes.UnsupportedFormat"/>, as <see cref="ImagePreScan.SanitizePng"/> says for other PNGs.
/// 16-bit samples become 8 bits exactly as ImageSharp's <c>L16 → L8</c> conversion does (round(v × 255 / 65535)),
/// so the fast path and ImageSharp produce the same tensor.
/// </remarks>
internal static class PngGrayscaleFastPath
{
    private const int SignatureLength = 8;

    /// <summary>About 32 KiB of rows per band: small enough to stay in L1/L2 between inflate and unfilter.</summary>
    private const int BandBytes = 32 * 1024;

    /// <summary>Below this the thread hand-offs cost more than the overlap saves.</summary>
    private const long PipelineMinimumPixels = 512 * 512;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// True when <paramref name="png"/> is a PNG whose IHDR says 8- or 16-bit greyscale, not interlaced: the
    /// flavours <see cref="TryDecode"/> handles. A PNG whose IHDR fails its CRC is corrupt, whatever its flavour.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> png, out int width, out int height, out int bytesPerSample)
    {
        width = 0;
        height = 0;
        bytesPerSample = 0;
        if (png.Length < SignatureLength + 25 || !png[..SignatureLength].SequenceEqual(Signature)
            || !png[12..16].SequenceEqual("IHDR"u8) || BinaryPrimitives.ReadInt32BigEndian(png[8..]) != 13)
        {
            return false;
        }

        if (Crc32(png.Slice(12, 17)) != BinaryPrimitives.ReadUInt32BigEndian(png[29..]))
        {
            throw Corrupt("its IHDR chunk fails its CRC");
        }

        ReadOnlySpan<byte> header = png.Slice(16, 13);
        width = BinaryPrimitives.ReadInt32BigEndian(header);
        height = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        bool grey = header[8] is 8 or 16 && header[9] == 0 && header[10] == 0 && header[11] == 0 && header[12] == 0;
        bytesPerSample = header[8] / 8;
        return grey && width > 0 && height > 0;
    }

    /// <summary>
    /// Decodes into a rented buffer laid out as PNG rows (one filter byte, then the row's samples), <paramref name="stride"/>
    /// bytes apart; on return each row's first <paramref name="width"/> bytes after the filter byte are its 8-bit
    /// pixels, so pixel row y starts at <c>1 + y × stride</c>. Returns false when the file is not this flavour or
    /// carries EXIF orientation (ImageSharp reads eXIf and the caller rotates).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> png, out byte[]? rows, out int width, out int height, out int stride)
    {
        rows = null;
        stride = 0;
        if (!TryReadHeader(png, out width, out height, out int bytesPerSample))
        {
            return false;
        }

        byte[] compressed = ArrayPool<byte>.Shared.Rent(png.Length);
        try
        {
            int compressedLength = CollectImageData(png, compressed, out bool hasExif);
            if (hasExif)
            {
                return false;
            }

            stride = (width * bytesPerSample) + 1;
            rows = ArrayPool<byte>.Shared.Rent(checked(stride * height));
            InflateAndUnfilter(compressed, compressedLength, rows, new RowLayout(width, height, bytesPerSample));
            return true;
        }
        catch
        {
            if (rows is not null)
            {
                ArrayPool<byte>.Shared.Return(rows);
                rows = null;
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    private static int CollectImageData(ReadOnlySpan<byte> png, byte[] compressed, out bool hasExif)
    {
        hasExif = false;
        int length = 0;
        int position = SignatureLength;
        while (position + 12 <= png.Length)
        {
            int chunkLength = BinaryPrimitives.ReadInt32BigEndian(png[position..]);
            if (chunkLength < 0 || chunkLength > png.Length - position - 12)
            {
                throw Corrupt("a chunk runs past the end of the file (truncated upload?)");
            }

            ReadOnlySpan<byte> type = png.Slice(position + 4, 4);
            if (type.SequenceEqual("IDAT"u8))
            {
                png.Slice(position + 8, chunkLength).CopyTo(compressed.AsSpan(length));
                length += chunkLength;
            }
            else if (type.SequenceEqual("eXIf"u8))
            {
                hasExif = true;
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                return length > 0 ? length : throw Corrupt("it has no image data (IDAT)");
            }
            else if ((type[0] & 0x20) == 0 && !type.SequenceEqual("IHDR"u8) && !type.SequenceEqual("PLTE"u8))
            {
                throw new ImageRejectedException(
                    ImageErrorCodes.UnsupportedFormat,
                    $"The png has a critical chunk '{System.Text.Encoding.ASCII.GetString(type)}' the decoder does not support.");
            }

            position += chunkLength + 12;
        }

        throw Corrupt("it ends before its IEND chunk (truncated upload?)");
    }


    /// <summary>
    /// Inflates a band of rows at a time and unfilters it while it is still in cache. On large images the two run
    /// as a pipeline on two threads (inflate band k+1 while band k is unfiltered): both are inherently serial and
    /// cost about the same, so this halves the latency the end-to-end time is measured against.
    /// </summary>
    private static void InflateAndUnfilter(byte[] compressed, int length, byte[] rows, RowLayout layout)
    {
        int bandRows = Math.Max(1, BandBytes / layout.Stride);
        int bands = (layout.Height + bandRows - 1) / bandRows;
        byte[] zeros = ArrayPool<byte>.Shared.Rent(layout.RowBytes);
        Array.Clear(zeros, 0, layout.RowBytes);
        try
        {
            if (bands < 4 || (long)layout.Width * layout.Height < PipelineMinimumPixels || Environment.ProcessorCount < 2)
            {
                using ZLibStream zlib = Open(compressed, length);
                for (int band = 0; band < bands; band++)
                {
                    InflateBand(zlib, rows, band, bandRows, layout);
                    UnfilterBand(rows, band, bandRows, layout, zeros);
                }

                return;
            }

            Pipeline(compressed, length, rows, layout, bandRows, bands, zeros);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zeros);
        }
    }

    private static void Pipeline(byte[] compressed, int length, byte[] rows, RowLayout layout, int bandRows, int bands, byte[] zeros)
    {
        using SemaphoreSlim inflated = new(0);
        Exception? inflateFailure = null;
        void Inflate()
        {
            try
            {
                using ZLibStream zlib = Open(compressed, length);
                for (int band = 0; band < bands; band++)
                {
                    InflateBand(zlib, rows, band, bandRows, layout);
                    inflated.Release();
                }
            }
            catch (Exception ex)
            {
                // Anything, not only damage: a consumer left waiting would hang the request.
                Volatile.Write(ref inflateFailure, ex);
                inflated.Release(bands);
            }
        }

        // A dedicated thread, not the pool: callers block on it (batch decoding in Parallel.For, concurrent
        // triggers), and pool threads blocked on queued pool work starved the pool for seconds per batch.
        Task producer = Task.Factory.StartNew(Inflate, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            for (int band = 0; band < bands; band++)
            {
                inflated.Wait();
                if (Volatile.Read(ref inflateFailure) is not null)
                {
                    break;
                }

                UnfilterBand(rows, band, bandRows, layout, zeros);
            }
        }
        finally
        {
            // The producer writes into the caller's pooled buffer: never return before it has stopped.
            producer.GetAwaiter().GetResult();
        }

        if (inflateFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inflateFailure);
        }
    }

    private static ZLibStream Open(byte[] compressed, int length) =>
        new(new MemoryStream(compressed, 0, length, writable: false), CompressionMode.Decompress);

    private static void InflateBand(ZLibStream zlib, byte[] rows, int band, int bandRows, RowLayout layout)
    {
        int first = band * bandRows;
        int count = Math.Min(bandRows, layout.Height - first);
        try
        {
            zlib.ReadExactly(rows.AsSpan(first * layout.Stride, count * layout.Stride));
        }
        catch (EndOfStreamException ex)
        {
            throw Corrupt("its compressed image data ends early (truncated upload?)", ex);
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt("its compressed image data is damaged", ex);
        }
    }

    /// <summary>
    /// Unfilters the band's rows in order. 16-bit rows are narrowed to 8 bits in place one row behind, because
    /// the next row's filters predict from this row's full 16-bit samples.
    /// </summary>
    private static void UnfilterBand(byte[] rows, int band, int bandRows, RowLayout layout, byte[] zeros)
    {
        int first = band * bandRows;
        int end = Math.Min(first + bandRows, layout.Height);
        for (int y = first; y < end; y++)
        {
            UnfilterRow(rows, y, layout, zeros);
            if (layout.BytesPerSample == 2)
            {
                if (y > 0)
                {
                    Narrow(rows.AsSpan(((y - 1) * layout.Stride) + 1, layout.RowBytes));
                }

                if (y == layout.Height - 1)
                {
                    Narrow(rows.AsSpan((y * layout.Stride) + 1, layout.RowBytes));
                }
            }
        }
    }

    /// <summary>
    /// Big-endian 16-bit samples to 8 bits in the row's first half: round(v × 255 / 65535), ImageSharp's
    /// <c>L8.FromL16</c>. Writing sample x never overtakes reading samples 2x and 2x+1, so in place is safe.
    /// </summary>
    private static void Narrow(Span<byte> samples)
    {
        ref byte start = ref MemoryMarshal.GetReference(samples);
        int count = samples.Length / 2;
        for (int x = 0; x < count; x++)
        {
            int value = (Unsafe.Add(ref start, 2 * x) << 8) | Unsafe.Add(ref start, (2 * x) + 1);
            Unsafe.Add(ref start, x) = (byte)(((value * 255) + 32895) >> 16);
        }
    }

    /// <summary>Reverses PNG filters 0–4 (PNG specification §9) in place for one row of 1- or 2-byte samples.</summary>
    private static void UnfilterRow(byte[] rows, int y, RowLayout layout, byte[] zeros)
    {
        int stride = layout.Stride;
        int bpp = layout.BytesPerSample;
        Span<byte> row = rows.AsSpan((y * stride) + 1, layout.RowBytes);
        ReadOnlySpan<byte> prior = y == 0 ? zeros.AsSpan(0, layout.RowBytes) : rows.AsSpan(((y - 1) * stride) + 1, layout.RowBytes);
        switch (rows[y * stride])
        {
            case 0:
                break;
            case 1:
                for (int x = bpp; x < row.Length; x++)
                {
                    row[x] += row[x - bpp];
                }

                break;
            case 2:
                AddUp(row, prior);
                break;
            case 3:
                for (int x = 0; x < bpp; x++)
                {
                    row[x] += (byte)(prior[x] >> 1);
                }

                for (int x = bpp; x < row.Length; x++)
                {
                    row[x] += (byte)((row[x - bpp] + prior[x]) >> 1);
                }

                break;
            case 4:
                if (bpp == 1)
                {
                    Paeth(row, prior);
                }
                else
                {
                    Paeth(row, prior, bpp);
                }

                break;
            default:
                throw Corrupt($"row {y} has unknown filter type {rows[y * stride]}");
        }
    }

    private static void AddUp(Span<byte> row, ReadOnlySpan<byte> prior)
    {
        int x = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int count = System.Numerics.Vector<byte>.Count;
            for (; x <= row.Length - count; x += count)
            {
                (new System.Numerics.Vector<byte>(row[x..]) + new System.Numerics.Vector<byte>(prior[x..])).CopyTo(row[x..]);
            }
        }

        for (; x < row.Length; x++)
        {
            row[x] += prior[x];
        }
    }

    /// <summary>
    /// The Paeth predictor without branches or bounds checks. On x-ray noise its three-way choice is
    /// unpredictable, and the branchy textbook form (also ImageSharp's) spends most of its time on mispredictions:
    /// this form is about 3× faster. Indices stay inside <paramref name="row"/> and <paramref name="prior"/>,
    /// which have the same length.
    /// </summary>
    private static void Paeth(Span<byte> row, ReadOnlySpan<byte> prior)
    {
        ref byte current = ref MemoryMarshal.GetReference(row);
        ref byte above = ref MemoryMarshal.GetReference(prior);
        current = (byte)(current + above);
        int left = current;
        int upLeft = above;
        for (int x = 1; x < row.Length; x++)
        {
            int up = Unsafe.Add(ref above, x);
            ref byte target = ref Unsafe.Add(ref current, x);
            left = (byte)(target + PaethPredictor(left, up, upLeft));
            target = (byte)left;
            upLeft = up;
        }
    }

    /// <summary>The same predictor for <paramref name="bpp"/>-byte samples: left and upper-left are a sample back.</summary>
    private static void Paeth(Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        ref byte current = ref MemoryMarshal.GetReference(row);
        ref byte above = ref MemoryMarshal.GetReference(prior);
        for (int x = 0; x < bpp; x++)
        {
            Unsafe.Add(ref current, x) += Unsafe.Add(ref above, x); // no left neighbour: the predictor is "up"
        }

        for (int x = bpp; x < row.Length; x++)
        {
            ref byte target = ref Unsafe.Add(ref current, x);
            target = (byte)(target + PaethPredictor(Unsafe.Add(ref current, x - bpp), Unsafe.Add(ref above, x), Unsafe.Add(ref above, x - bpp)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PaethPredictor(int left, int up, int upLeft)
    {
        int pa = up - upLeft;
        int pb = left - upLeft;
        int pc = pa + pb;
        pa = (pa ^ (pa >> 31)) - (pa >> 31);
        pb = (pb ^ (pb >> 31)) - (pb >> 31);
        pc = (pc ^ (pc >> 31)) - (pc >> 31);
        int notLeft = ((pb - pa) | (pc - pa)) >> 31; // all ones unless pa ≤ pb and pa ≤ pc
        int useUpLeft = (pc - pb) >> 31; // all ones when pb > pc
        int upOrUpLeft = up ^ ((up ^ upLeft) & useUpLeft);
        return left ^ ((left ^ upOrUpLeft) & notLeft);
    }

    /// <summary>CRC-32 of a chunk's type and data (PNG specification §5.5); used on IHDR only, so bitwise is enough.</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
            }
        }

        return ~crc;
    }

    private static ImageRejectedException Corrupt(string why, Exception? inner = null) =>
        new(ImageErrorCodes.Corrupt, $"The png is damaged and cannot be decoded: {why}.", inner);

    /// <summary>Row geometry of the decoded buffer: samples of 1 or 2 bytes, each row after its filter byte.</summary>
    private readonly record struct RowLayout(int Width, int Height, int BytesPerSample)
    {
        public int RowBytes => Width * BytesPerSample;

        public int Stride => RowBytes + 1;
    }
}
