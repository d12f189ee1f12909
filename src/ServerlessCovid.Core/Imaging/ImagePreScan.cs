using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// Walks the container of each accepted format before ImageSharp sees it, because ImageSharp 2.1 inflates text
/// chunks while reading a header and renders missing pixel data as blank pixels. Two jobs:
/// <list type="bullet">
/// <item>Budget: PNG ancillary chunks other than a short allow-list (so zTXt, iTXt, iCCP and anything unknown) are
/// removed unread, so nothing inflates them; JPEG start-of-scan markers are counted against <c>Imaging:MaxJpegScans</c>.</item>
/// <item>Completeness: the pixel data the header declares must all be present, or the image is
/// <see cref="ImageErrorCodes.Corrupt"/>. PNG image data is inflated and its length compared with what IHDR implies;
/// GIF's first frame is LZW-decoded to count its pixels; BMP and TIFF strips must lie inside the file (uncompressed
/// ones at full length, compressed TIFF strips are inflated or counted); WebP's RIFF and chunk sizes must fit the file.
/// Variants whose completeness cannot be verified are refused as <see cref="ImageErrorCodes.UnsupportedFormat"/>.</item>
/// </list>
/// </summary>
internal static class ImagePreScan
{
    private static readonly byte[][] KeptPngChunks =
    [
        "IHDR"u8.ToArray(), "PLTE"u8.ToArray(), "tRNS"u8.ToArray(), "IDAT"u8.ToArray(), "IEND"u8.ToArray(),
        "eXIf"u8.ToArray(), "pHYs"u8.ToArray(), "gAMA"u8.ToArray(), "sRGB"u8.ToArray(), "cHRM"u8.ToArray(),
        "sBIT"u8.ToArray(), "bKGD"u8.ToArray(), "tIME"u8.ToArray(),
    ];

    private static ImageRejectedException Truncated(string format, string detail) => new(
        ImageErrorCodes.Corrupt,
        $"The {format} is truncated or damaged: {detail}. Upload the complete file.");

    // ------------------------------------------------------------------ PNG

    /// <summary>
    /// Checks the chunk stream up to IEND and compacts <paramref name="png"/> in place, dropping every ancillary
    /// chunk not on the allow-list (text, compressed text, ICC profiles, private chunks) unread. Returns the new length.
    /// </summary>
    public static int SanitizePng(Span<byte> png)
    {
        int read = 8;
        int write = 8;
        bool end = false;
        while (!end)
        {
            if (read + 12 > png.Length)
            {
                throw Truncated("png", "its chunk stream ends before the IEND chunk");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[read..]);
            if (length > int.MaxValue || read + 12L + length > png.Length)
            {
                throw Truncated("png", "a chunk runs past the end of the file");
            }

            int total = 12 + (int)length;
            ReadOnlySpan<byte> type = png.Slice(read + 4, 4);
            end = type.SequenceEqual("IEND"u8);
            if (IsKept(type))
            {
                if (write != read)
                {
                    png.Slice(read, total).CopyTo(png[write..]);
                }

                write += total;
            }
            else if ((type[0] & 0x20) == 0)
            {
                // An unknown critical chunk: the decoder would have to understand it.
                throw new ImageRejectedException(
                    ImageErrorCodes.UnsupportedFormat,
                    $"The png has a critical chunk '{System.Text.Encoding.ASCII.GetString(type)}' the decoder does not support.");
            }

            read += total;
        }

        return write;
    }

    private static bool IsKept(ReadOnlySpan<byte> type)
    {
        foreach (byte[] kept in KeptPngChunks)
        {
            if (type.SequenceEqual(kept))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Inflates the (sanitised) PNG's image data, stopping at the length IHDR implies, and refuses it when the
    /// stream ends first. The output is counted, never kept; reads are checked against the budget.
    /// </summary>
    public static void CheckPngComplete(ReadOnlySpan<byte> png, DecodeBudget budget)
    {
        ReadOnlySpan<byte> header = png.Slice(16, 13);
        long width = BinaryPrimitives.ReadUInt32BigEndian(header);
        long height = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        int bitDepth = header[8];
        int channels = header[9] switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"The png declares an invalid colour type {header[9]}.");
        }

        long bitsPerPixel = (long)bitDepth * channels;
        long expected = header[12] == 0
            ? RowBytes(width, height, bitsPerPixel)
            : Adam7Bytes(width, height, bitsPerPixel);

        // Concatenate the IDAT payloads (bounded by the file size) and inflate them.
        byte[] compressed = ArrayPool<byte>.Shared.Rent(png.Length);
        try
        {
            int compressedLength = 0;
            int offset = 8;
            while (offset + 12 <= png.Length)
            {
                int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png[offset..]);
                ReadOnlySpan<byte> type = png.Slice(offset + 4, 4);
                if (type.SequenceEqual("IDAT"u8))
                {
                    png.Slice(offset + 8, length).CopyTo(compressed.AsSpan(compressedLength));
                    compressedLength += length;
                }
                else if (type.SequenceEqual("IEND"u8))
                {
                    break;
                }

                offset += 12 + length;
            }

            long inflated = CountInflated(compressed, 0, compressedLength, expected, budget, zlib: true);
            if (inflated < expected)
            {
                throw Truncated("png", $"its image data inflates to {inflated:N0} of the {expected:N0} bytes the header declares");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    private static long RowBytes(long width, long height, long bitsPerPixel) =>
        width == 0 || height == 0 ? 0 : height * (1 + (((width * bitsPerPixel) + 7) / 8));

    private static long Adam7Bytes(long width, long height, long bitsPerPixel)
    {
        ReadOnlySpan<int> xStart = [0, 4, 0, 2, 0, 1, 0];
        ReadOnlySpan<int> yStart = [0, 0, 4, 0, 2, 0, 1];
        ReadOnlySpan<int> xStep = [8, 8, 4, 4, 2, 2, 1];
        ReadOnlySpan<int> yStep = [8, 8, 8, 4, 4, 2, 2];
        long total = 0;
        for (int pass = 0; pass < 7; pass++)
        {
            long passWidth = width > xStart[pass] ? (width - xStart[pass] + xStep[pass] - 1) / xStep[pass] : 0;
            long passHeight = height > yStart[pass] ? (height - yStart[pass] + yStep[pass] - 1) / yStep[pass] : 0;
            total += RowBytes(passWidth, passHeight, bitsPerPixel);
        }

        return total;
    }

    /// <summary>Inflates up to <paramref name="expected"/> bytes and returns how many came out.</summary>
    private static long CountInflated(byte[] data, int offset, int length, long expected, DecodeBudget budget, bool zlib)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using MemoryStream input = new(data, offset, length, writable: false);
            using Stream inflater = zlib ? new ZLibStream(input, CompressionMode.Decompress) : new DeflateStream(input, CompressionMode.Decompress);
            long total = 0;
            while (total < expected)
            {
                budget.Check();
                int read = inflater.Read(scratch, 0, (int)Math.Min(scratch.Length, expected - total));
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }
        catch (InvalidDataException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"The compressed image data is damaged: {ex.Message}", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    // ------------------------------------------------------------------ JPEG

    /// <summary>
    /// Walks the marker segments: counts start-of-scan markers against <paramref name="maxScans"/> (a progressive
    /// file with thousands of scans costs a full pass over every block per scan) and requires the end-of-image
    /// marker after the last scan's entropy-coded data (ImageSharp renders a truncated scan as grey).
    /// </summary>
    public static void CheckJpeg(ReadOnlySpan<byte> jpeg, int maxScans, DecodeBudget budget)
    {
        int position = 2;
        int scans = 0;
        while (true)
        {
            // Find the next marker, skipping fill bytes.
            if (position + 1 >= jpeg.Length || jpeg[position] != 0xFF)
            {
                throw Truncated("jpeg", "its image data ends before the end-of-image marker");
            }

            while (position < jpeg.Length && jpeg[position] == 0xFF)
            {
                position++;
            }

            if (position >= jpeg.Length)
            {
                throw Truncated("jpeg", "its image data ends before the end-of-image marker");
            }

            byte marker = jpeg[position++];
            if (marker == 0xD9)
            {
                if (scans == 0)
                {
                    throw Truncated("jpeg", "it has no image data (no start-of-scan marker)");
                }

                return;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                continue;
            }

            if (position + 2 > jpeg.Length)
            {
                throw Truncated("jpeg", "a marker segment runs past the end of the file");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[position..]);
            if (length < 2 || position + length > jpeg.Length)
            {
                throw Truncated("jpeg", "a marker segment runs past the end of the file");
            }

            position += length;
            if (marker != 0xDA)
            {
                continue;
            }

            if (++scans > maxScans)
            {
                throw new ImageRejectedException(
                    ImageErrorCodes.DecodeBudgetExceeded,
                    $"The jpeg has more than {maxScans} scans (Imaging:MaxJpegScans); each scan costs a pass over the whole image.");
            }

            if ((scans & 63) == 0)
            {
                budget.Check();
            }

            // Entropy-coded data: FF is always followed by 00 (stuffing) or a restart marker inside it.
            int next = FindMarkerAfterScan(jpeg, position);
            if (next < 0)
            {
                throw Truncated("jpeg", "its image data ends before the end-of-image marker");
            }

            position = next;
        }
    }

    private static int FindMarkerAfterScan(ReadOnlySpan<byte> jpeg, int position)
    {
        while (true)
        {
            int found = jpeg[position..].IndexOf((byte)0xFF);
            if (found < 0)
            {
                return -1;
            }

            position += found;
            if (position + 1 >= jpeg.Length)
            {
                return -1;
            }

            byte following = jpeg[position + 1];
            if (following == 0x00 || following is >= 0xD0 and <= 0xD7 || following == 0xFF)
            {
                position += following == 0xFF ? 1 : 2;
                continue;
            }

            return position;
        }
    }

    // ------------------------------------------------------------------ BMP

    /// <summary>Uncompressed rows must all be in the file; RLE data must reach its end-of-bitmap code.</summary>
    public static void CheckBmp(ReadOnlySpan<byte> bmp)
    {
        if (bmp.Length < 26)
        {
            throw Truncated("bmp", "its headers are incomplete");
        }

        long dataOffset = BinaryPrimitives.ReadUInt32LittleEndian(bmp[10..]);
        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(bmp[14..]);
        long width;
        long height;
        int bitsPerPixel;
        int compression = 0;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(bmp[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(bmp[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bmp[24..]);
        }
        else
        {
            if (bmp.Length < 34)
            {
                throw Truncated("bmp", "its headers are incomplete");
            }

            width = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bmp[18..]));
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bmp[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bmp[28..]);
            compression = BinaryPrimitives.ReadInt32LittleEndian(bmp[30..]);
        }

        switch (compression)
        {
            case 0 or 3 or 6: // BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS
                long stride = (((width * bitsPerPixel) + 31) / 32) * 4;
                long needed = dataOffset + (stride * height);
                if (needed > bmp.Length)
                {
                    throw Truncated("bmp", $"its pixel rows need {needed:N0} bytes but the file has {bmp.Length:N0}");
                }

                return;
            case 1 or 2: // BI_RLE8, BI_RLE4
                CheckRle(bmp, dataOffset, compression == 2);
                return;
            default:
                throw new ImageRejectedException(
                    ImageErrorCodes.UnsupportedFormat,
                    $"This bmp uses compression {compression}, whose completeness cannot be checked; save it as PNG.");
        }
    }

    private static void CheckRle(ReadOnlySpan<byte> bmp, long dataOffset, bool fourBit)
    {
        long position = dataOffset;
        while (position + 1 < bmp.Length)
        {
            byte count = bmp[(int)position];
            byte code = bmp[(int)position + 1];
            position += 2;
            if (count != 0)
            {
                continue; // encoded run
            }

            switch (code)
            {
                case 0: // end of line
                    break;
                case 1: // end of bitmap
                    return;
                case 2: // delta
                    position += 2;
                    break;
                default: // absolute run, padded to a 16-bit boundary
                    long bytes = fourBit ? (code + 1) / 2 : code;
                    position += bytes + (bytes & 1);
                    break;
            }
        }

        throw Truncated("bmp", "its run-length data ends before the end-of-bitmap code");
    }

    // ------------------------------------------------------------------ GIF

    /// <summary>The first frame (the only one decoded) must LZW-decode to all of its pixels.</summary>
    public static void CheckGif(ReadOnlySpan<byte> gif, DecodeBudget budget)
    {
        if (gif.Length < 13)
        {
            throw Truncated("gif", "its header is incomplete");
        }

        int position = 13;
        byte screen = gif[10];
        if ((screen & 0x80) != 0)
        {
            position += 3 * (1 << ((screen & 7) + 1));
        }

        while (true)
        {
            if (position >= gif.Length)
            {
                throw Truncated("gif", "it ends before its first frame's data");
            }

            byte block = gif[position++];
            switch (block)
            {
                case 0x21: // extension: label, then sub-blocks
                    position = SkipSubBlocks(gif, position + 1);
                    break;
                case 0x2C: // image descriptor
                    if (position + 9 > gif.Length)
                    {
                        throw Truncated("gif", "its frame header is incomplete");
                    }

                    long pixels = (long)BinaryPrimitives.ReadUInt16LittleEndian(gif[(position + 4)..])
                        * BinaryPrimitives.ReadUInt16LittleEndian(gif[(position + 6)..]);
                    byte packed = gif[position + 8];
                    position += 9;
                    if ((packed & 0x80) != 0)
                    {
                        position += 3 * (1 << ((packed & 7) + 1));
                    }

                    if (position >= gif.Length)
                    {
                        throw Truncated("gif", "its frame has no image data");
                    }

                    int minimumCodeSize = gif[position++];
                    long decoded = CountLzwPixels(gif, position, minimumCodeSize, pixels, budget);
                    if (decoded < pixels)
                    {
                        throw Truncated("gif", $"its first frame's data decodes to {decoded:N0} of its {pixels:N0} pixels");
                    }

                    CheckGifTrailer(gif, SkipSubBlocks(gif, position));
                    return;
                default: // trailer or garbage before any frame
                    throw Truncated("gif", "it has no complete frame");
            }
        }
    }

    /// <summary>Walks whatever follows the first frame (later frames are not decoded) to the trailer.</summary>
    private static void CheckGifTrailer(ReadOnlySpan<byte> gif, int position)
    {
        while (true)
        {
            if (position >= gif.Length)
            {
                throw Truncated("gif", "it ends before its trailer");
            }

            switch (gif[position++])
            {
                case 0x3B:
                    return;
                case 0x21:
                    position = SkipSubBlocks(gif, position + 1);
                    break;
                case 0x2C:
                    if (position + 9 > gif.Length)
                    {
                        throw Truncated("gif", "a frame header is incomplete");
                    }

                    byte packed = gif[position + 8];
                    position += 9 + ((packed & 0x80) != 0 ? 3 * (1 << ((packed & 7) + 1)) : 0) + 1;
                    position = SkipSubBlocks(gif, position);
                    break;
                default:
                    throw Truncated("gif", "its block structure is damaged");
            }
        }
    }

    private static int SkipSubBlocks(ReadOnlySpan<byte> gif, int position)
    {
        while (true)
        {
            if (position >= gif.Length)
            {
                throw Truncated("gif", "a data block runs past the end of the file");
            }

            int size = gif[position++];
            if (size == 0)
            {
                return position;
            }

            position += size;
        }
    }

    /// <summary>Decodes GIF LZW codes from the sub-blocks at <paramref name="position"/>, counting pixels only.</summary>
    private static long CountLzwPixels(ReadOnlySpan<byte> gif, int position, int minimumCodeSize, long pixels, DecodeBudget budget)
    {
        if (minimumCodeSize is < 2 or > 11)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"The gif's LZW code size {minimumCodeSize} is invalid.");
        }

        int clear = 1 << minimumCodeSize;
        int endOfInformation = clear + 1;
        Span<int> lengths = stackalloc int[4096];
        int codeSize = minimumCodeSize + 1;
        int next = clear + 2;
        int previous = -1;
        long count = 0;
        int bits = 0;
        int bitCount = 0;
        int blockRemaining = 0;
        for (int i = 0; i < clear; i++)
        {
            lengths[i] = 1;
        }

        while (count < pixels)
        {
            while (bitCount < codeSize)
            {
                if (blockRemaining == 0)
                {
                    if (position >= gif.Length || gif[position] == 0)
                    {
                        return count;
                    }

                    blockRemaining = gif[position++];
                    if ((position & 0xFFF) == 0)
                    {
                        budget.Check();
                    }
                }

                if (position >= gif.Length)
                {
                    return count;
                }

                bits |= gif[position++] << bitCount;
                bitCount += 8;
                blockRemaining--;
            }

            int code = bits & ((1 << codeSize) - 1);
            bits >>= codeSize;
            bitCount -= codeSize;
            if (code == clear)
            {
                codeSize = minimumCodeSize + 1;
                next = clear + 2;
                previous = -1;
                continue;
            }

            if (code == endOfInformation)
            {
                return count;
            }

            int length;
            if (previous < 0)
            {
                if (code >= clear)
                {
                    return count;
                }

                length = 1;
            }
            else if (code < next)
            {
                length = lengths[code];
                if (next < 4096)
                {
                    lengths[next++] = lengths[previous] + 1;
                }
            }
            else if (code == next && next < 4096)
            {
                length = lengths[previous] + 1;
                lengths[next++] = length;
            }
            else
            {
                return count; // an impossible code: the data is damaged
            }

            count += length;
            previous = code;
            if (next == (1 << codeSize) && codeSize < 12)
            {
                codeSize++;
            }
        }

        return count;
    }

    // ------------------------------------------------------------------ TIFF

    /// <summary>
    /// The first directory's strips or tiles must lie inside the file. Uncompressed strips must hold every row;
    /// Deflate strips must inflate to every row; other compressions cannot be verified and are refused.
    /// </summary>
    public static void CheckTiff(ReadOnlySpan<byte> tiff, DecodeBudget budget)
    {
        if (tiff.Length < 8)
        {
            throw Truncated("tiff", "its header is incomplete");
        }

        bool little = tiff[0] == (byte)'I';
        if (ReadUInt16(tiff, 2, little) != 42)
        {
            throw new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, "Only classic TIFF is accepted, not BigTIFF.");
        }

        long directory = ReadUInt32(tiff, 4, little);
        if (directory + 2 > tiff.Length)
        {
            throw Truncated("tiff", "its image directory is past the end of the file");
        }

        int entries = ReadUInt16(tiff, (int)directory, little);
        if (directory + 2 + (12L * entries) + 4 > tiff.Length)
        {
            throw Truncated("tiff", "its image directory runs past the end of the file");
        }

        long width = 0;
        long height = 0;
        long rowsPerStrip = long.MaxValue;
        long compression = 1;
        long samplesPerPixel = 1;
        long planar = 1;
        long bitsPerSample = 1;
        long[]? offsets = null;
        long[]? counts = null;
        bool tiled = false;
        for (int i = 0; i < entries; i++)
        {
            int entry = (int)directory + 2 + (12 * i);
            int tag = ReadUInt16(tiff, entry, little);
            long valueBytes = ReadUInt32(tiff, entry + 4, little) * (ReadUInt16(tiff, entry + 2, little) switch
            {
                3 or 8 => 2,
                4 or 9 or 11 => 4,
                5 or 10 or 12 => 8,
                _ => 1,
            });
            if (valueBytes > 4 && ReadUInt32(tiff, entry + 8, little) + valueBytes > tiff.Length)
            {
                throw Truncated("tiff", $"the value of directory entry {tag} lies past the end of the file");
            }

            switch (tag)
            {
                case 256: width = ReadValues(tiff, entry, little)[0]; break;
                case 257: height = ReadValues(tiff, entry, little)[0]; break;
                case 258: bitsPerSample = ReadValues(tiff, entry, little).Sum(); break;
                case 259: compression = ReadValues(tiff, entry, little)[0]; break;
                case 277: samplesPerPixel = ReadValues(tiff, entry, little)[0]; break;
                case 278: rowsPerStrip = ReadValues(tiff, entry, little)[0]; break;
                case 284: planar = ReadValues(tiff, entry, little)[0]; break;
                case 273: offsets = ReadValues(tiff, entry, little); break;
                case 279: counts = ReadValues(tiff, entry, little); break;
                case 324: offsets = ReadValues(tiff, entry, little); tiled = true; break;
                case 325: counts = ReadValues(tiff, entry, little); tiled = true; break;
                default: break;
            }
        }

        if (offsets is null || counts is null || offsets.Length == 0 || offsets.Length != counts.Length)
        {
            throw Truncated("tiff", "its strip offsets or byte counts are missing");
        }

        for (int i = 0; i < offsets.Length; i++)
        {
            if (offsets[i] + counts[i] > tiff.Length)
            {
                throw Truncated("tiff", $"strip {i} runs past the end of the file");
            }
        }

        bool deflate = compression is 8 or 32946;
        if (compression != 1 && !deflate)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.UnsupportedFormat,
                $"This tiff uses compression {compression}, whose completeness cannot be checked; save it uncompressed, "
                + "with Deflate, or as PNG.");
        }

        if (tiled || planar != 1)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.UnsupportedFormat,
                "Tiled or planar tiffs are not accepted: their completeness cannot be checked; save it as PNG.");
        }

        long rowBytes = ((width * (bitsPerSample == 0 ? samplesPerPixel : bitsPerSample)) + 7) / 8;
        long rows = Math.Min(rowsPerStrip, height);
        for (int i = 0; i < offsets.Length; i++)
        {
            long stripRows = Math.Min(rows, height - (i * rows));
            if (stripRows <= 0)
            {
                break;
            }

            long expected = stripRows * rowBytes;
            long present = counts[i];
            if (deflate)
            {
                byte[] strip = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, counts[i]));
                try
                {
                    tiff.Slice((int)offsets[i], (int)counts[i]).CopyTo(strip);
                    present = CountInflated(strip, 0, (int)counts[i], expected, budget, zlib: true);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(strip);
                }
            }

            if (present < expected)
            {
                throw Truncated("tiff", $"strip {i} holds {present:N0} of its {expected:N0} bytes");
            }
        }

        if ((offsets.Length * rows) < height)
        {
            throw Truncated("tiff", "it has fewer strips than its height needs");
        }
    }

    private static long[] ReadValues(ReadOnlySpan<byte> tiff, int entry, bool little)
    {
        int type = ReadUInt16(tiff, entry + 2, little);
        long count = ReadUInt32(tiff, entry + 4, little);
        int size = type switch { 3 => 2, 4 => 4, 1 => 1, _ => 0 };
        if (size == 0 || count is <= 0 or > 1_000_000)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, "The tiff directory has an entry of an unexpected type.");
        }

        long offset = count * size <= 4 ? entry + 8 : ReadUInt32(tiff, entry + 8, little);
        if (offset + (count * size) > tiff.Length)
        {
            throw Truncated("tiff", "a directory entry points past the end of the file");
        }

        long[] values = new long[count];
        for (int i = 0; i < count; i++)
        {
            int at = (int)offset + (i * size);
            values[i] = size switch
            {
                1 => tiff[at],
                2 => ReadUInt16(tiff, at, little),
                _ => ReadUInt32(tiff, at, little),
            };
        }

        return values;
    }

    private static int ReadUInt16(ReadOnlySpan<byte> data, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(data[at..]) : BinaryPrimitives.ReadUInt16BigEndian(data[at..]);

    private static long ReadUInt32(ReadOnlySpan<byte> data, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(data[at..]) : BinaryPrimitives.ReadUInt32BigEndian(data[at..]);

    // ------------------------------------------------------------------ WebP

    /// <summary>The RIFF size and every chunk's size must fit inside the file; <see cref="WebpChunks"/> checks what they hold.</summary>
    public static void CheckWebp(ReadOnlySpan<byte> webp)
    {
        if (webp.Length < 20)
        {
            throw Truncated("webp", "its header is incomplete");
        }

        long riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(webp[4..]);
        if (riffEnd > webp.Length)
        {
            throw Truncated("webp", $"its RIFF container declares {riffEnd:N0} bytes but the file has {webp.Length:N0}");
        }

        long position = 12;
        bool image = false;
        int canvasPixels = 0;
        while (position + 8 <= riffEnd)
        {
            ReadOnlySpan<byte> fourCc = webp.Slice((int)position, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(webp[((int)position + 4)..]);
            long end = position + 8 + size;
            if (end > riffEnd)
            {
                throw Truncated("webp", $"its {System.Text.Encoding.ASCII.GetString(fourCc)} chunk runs past the end of the file");
            }

            WebpChunks.Check(fourCc, webp.Slice((int)position + 8, (int)size), ref canvasPixels);
            image |= fourCc.SequenceEqual("VP8 "u8) || fourCc.SequenceEqual("VP8L"u8);
            position = end + (size & 1);
        }

        if (!image)
        {
            throw Truncated("webp", "it has no image chunk");
        }
    }
}
