using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

/// <summary>Small images generated in code for the imaging tests (no binary fixtures).</summary>
internal static class TestImages
{
    /// <summary>Left half <paramref name="left"/>, right half <paramref name="right"/>.</summary>
    public static Image<Rgba32> TwoHalves(int width, int height, Rgba32 left, Rgba32 right)
    {
        Image<Rgba32> image = new(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgba32> row = rows.GetRowSpan(y);
                row[..(width / 2)].Fill(left);
                row[(width / 2)..].Fill(right);
            }
        });
        return image;
    }

    /// <summary>Deterministic x-ray-like grey texture: smooth ramps plus hashed noise, so resizing has work to do.</summary>
    public static Image<L8> GreyTexture(int width, int height, int seed = 1)
    {
        Image<L8> image = new(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<L8> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    uint hash = (uint)((x * 73856093) ^ (y * 19349663) ^ (seed * 83492791));
                    hash ^= hash >> 13;
                    hash *= 0x5bd1e995;
                    hash ^= hash >> 15;
                    double ramp = 0.5 + (0.35 * Math.Sin(x / 37.0) * Math.Cos(y / 53.0));
                    int value = (int)((ramp * 200) + (hash % 56));
                    row[x] = new L8((byte)Math.Clamp(value, 0, 255));
                }
            }
        });
        return image;
    }

    public static byte[] Encode<TPixel>(Image<TPixel> image, IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using MemoryStream stream = new();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>A structurally valid PNG (signature, IHDR, a tiny IDAT, IEND, correct CRCs) declaring any size.</summary>
    public static byte[] PngHeaderDeclaring(int width, int height)
    {
        using MemoryStream stream = new();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 0; // greyscale
        WriteChunk(stream, "IHDR", header);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>An 8-bit greyscale PNG from raw filtered rows (filter byte + pixels per row), zlib-compressed here.</summary>
    public static byte[] GreyPngFromRawRows(int width, int height, byte[] rows, int bitDepth = 8)
    {
        using MemoryStream stream = new();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        WriteChunk(stream, "IHDR", header);
        using MemoryStream compressed = new();
        using (System.IO.Compression.ZLibStream zlib = new(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(rows);
        }

        WriteChunk(stream, "IDAT", compressed.ToArray());
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>A copy of <paramref name="png"/> with one more chunk (correct CRC) just before IEND.</summary>
    public static byte[] InsertChunkBeforeIend(byte[] png, string type, byte[] data)
    {
        int iend = png.Length - 12;
        using MemoryStream stream = new();
        stream.Write(png, 0, iend);
        WriteChunk(stream, type, data);
        stream.Write(png, iend, 12);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        stream.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        stream.Write(crc);
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
