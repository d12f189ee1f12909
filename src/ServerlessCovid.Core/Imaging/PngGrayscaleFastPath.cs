using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// Decodes the one PNG flavour most x-ray exports are (8-bit greyscale, not interlaced, no EXIF) about three times
/// faster than ImageSharp 2.1: inflate with the runtime's zlib, undo the row filters in place, and hand the rows
/// to the resampler without building an image. Everything else, and anything odd, goes to ImageSharp.
/// </summary>
/// <remarks>
/// Runs only after <c>Identify</c> accepted the header and the pixel caps, so the output size is bounded. Damage is
/// still reported, never guessed around: a missing IEND, a short or corrupt zlib stream and unknown filter types
/// are all <see cref="ImageErrorCodes.Corrupt"/>.
/// </remarks>
internal static class PngGrayscaleFastPath
{
    private const int SignatureLength = 8;

    /// <summary>About 32 KiB of rows per band: small enough to stay in L1/L2 between inflate and unfilter.</summary>
    private const int BandBytes = 32 * 1024;

    /// <summary>Below this the thread hand-offs cost more than the overlap saves.</summary>
    private const long PipelineMinimumPixels = 512 * 512;

    /// <summary>
    /// Decodes into a rented buffer laid out as PNG rows (one filter byte, then <paramref name="width"/> pixels);
    /// pixel row y starts at <c>1 + y × (width + 1)</c>. Returns false when the file is not this flavour.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> png, out byte[]? rows, out int width, out int height)
    {
        rows = null;
        width = 0;
        height = 0;
        if (png.Length < SignatureLength + 25 || !png[12..16].SequenceEqual("IHDR"u8)
            || BinaryPrimitives.ReadInt32BigEndian(png[8..]) != 13)
        {
            return false;
        }

        ReadOnlySpan<byte> header = png.Slice(16, 13);
        width = BinaryPrimitives.ReadInt32BigEndian(header);
        height = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        bool eightBitGrey = header[8] == 8 && header[9] == 0 && header[10] == 0 && header[11] == 0 && header[12] == 0;
        if (!eightBitGrey || width <= 0 || height <= 0)
        {
            return false;
        }

        byte[] compressed = ArrayPool<byte>.Shared.Rent(png.Length);
        try
        {
            int compressedLength = CollectImageData(png, compressed, out bool hasExif);
            if (hasExif)
            {
                return false; // orientation to apply: ImageSharp reads eXIf and the caller rotates
            }

            int stride = width + 1;
            long total = (long)stride * height;
            rows = ArrayPool<byte>.Shared.Rent((int)total);
            InflateAndUnfilter(compressed, compressedLength, rows, width, height);
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

            position += chunkLength + 12;
        }

        throw Corrupt("it ends before its IEND chunk (truncated upload?)");
    }

    /// <summary>
    /// Inflates a band of rows at a time and unfilters it while it is still in cache. On large images the two run
    /// as a pipeline on two threads (inflate band k+1 while band k is unfiltered): both are inherently serial and
    /// cost about the same, so this halves the latency the end-to-end time is measured against.
    /// </summary>
    private static void InflateAndUnfilter(byte[] compressed, int length, byte[] rows, int width, int height)
    {
        int bandRows = Math.Max(1, BandBytes / (width + 1));
        int bands = (height + bandRows - 1) / bandRows;
        byte[] zeros = ArrayPool<byte>.Shared.Rent(width);
        Array.Clear(zeros, 0, width);
        try
        {
            if (bands < 4 || (long)width * height < PipelineMinimumPixels || Environment.ProcessorCount < 2)
            {
                using ZLibStream zlib = Open(compressed, length);
                for (int band = 0; band < bands; band++)
                {
                    InflateBand(zlib, rows, band, bandRows, width, height);
                    UnfilterBand(rows, band, bandRows, width, height, zeros);
                }

                return;
            }

            Pipeline(compressed, length, rows, width, height, bandRows, bands, zeros);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zeros);
        }
    }

    private static void Pipeline(byte[] compressed, int length, byte[] rows, int width, int height, int bandRows, int bands, byte[] zeros)
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
                    InflateBand(zlib, rows, band, bandRows, width, height);
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

                UnfilterBand(rows, band, bandRows, width, height, zeros);
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

    private static void InflateBand(ZLibStream zlib, byte[] rows, int band, int bandRows, int width, int height)
    {
        int stride = width + 1;
        int first = band * bandRows;
        int count = Math.Min(bandRows, height - first);
        try
        {
            zlib.ReadExactly(rows.AsSpan(first * stride, count * stride));
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

    private static void UnfilterBand(byte[] rows, int band, int bandRows, int width, int height, byte[] zeros)
    {
        int first = band * bandRows;
        int end = Math.Min(first + bandRows, height);
        for (int y = first; y < end; y++)
        {
            UnfilterRow(rows, y, width, zeros);
        }
    }

    /// <summary>Reverses PNG filters 0–4 (PNG specification §9) in place for one row, one byte per pixel.</summary>
    private static void UnfilterRow(byte[] rows, int y, int width, byte[] zeros)
    {
        int stride = width + 1;
        Span<byte> row = rows.AsSpan((y * stride) + 1, width);
        ReadOnlySpan<byte> prior = y == 0 ? zeros.AsSpan(0, width) : rows.AsSpan(((y - 1) * stride) + 1, width);
        switch (rows[y * stride])
        {
            case 0:
                break;
            case 1:
                for (int x = 1; x < row.Length; x++)
                {
                    row[x] += row[x - 1];
                }

                break;
            case 2:
                AddUp(row, prior);
                break;
            case 3:
                row[0] += (byte)(prior[0] >> 1);
                for (int x = 1; x < row.Length; x++)
                {
                    row[x] += (byte)((row[x - 1] + prior[x]) >> 1);
                }

                break;
            case 4:
                Paeth(row, prior);
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
            int pa = up - upLeft;
            int pb = left - upLeft;
            int pc = pa + pb;
            pa = (pa ^ (pa >> 31)) - (pa >> 31);
            pb = (pb ^ (pb >> 31)) - (pb >> 31);
            pc = (pc ^ (pc >> 31)) - (pc >> 31);
            int notLeft = ((pb - pa) | (pc - pa)) >> 31; // all ones unless pa ≤ pb and pa ≤ pc
            int useUpLeft = (pc - pb) >> 31; // all ones when pb > pc
            int upOrUpLeft = up ^ ((up ^ upLeft) & useUpLeft);
            int predictor = left ^ ((left ^ upOrUpLeft) & notLeft);
            ref byte target = ref Unsafe.Add(ref current, x);
            left = (byte)(target + predictor);
            target = (byte)left;
            upLeft = up;
        }
    }

    private static ImageRejectedException Corrupt(string why, Exception? inner = null) =>
        new(ImageErrorCodes.Corrupt, $"The png is damaged and cannot be decoded: {why}.", inner);
}
