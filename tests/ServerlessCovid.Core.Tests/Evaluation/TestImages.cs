using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Evaluation;

/// <summary>Small generated grey images, so audit tests need no binary fixtures.</summary>
internal static class TestImages
{
    /// <summary>A smooth pattern with a bright blob at (<paramref name="blobX"/>, <paramref name="blobY"/>) in [0, 1].</summary>
    public static Image<L8> Pattern(int size, double blobX, double blobY, bool mirrored = false)
    {
        Image<L8> image = new(size, size);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double u = (mirrored ? size - 1 - x : x) / (double)size;
                double v = y / (double)size;
                double blob = Math.Exp(-(((u - blobX) * (u - blobX)) + ((v - blobY) * (v - blobY))) * 20);
                double value = (0.3 * Math.Sin(u * 9) * Math.Cos(v * 7)) + (0.6 * blob) + 0.3;
                image[x, y] = new L8((byte)Math.Clamp(value * 255, 0, 255));
            }
        }

        return image;
    }

    /// <summary>PNG signature, an IHDR chunk declaring the size, and IEND: enough for Identify, nothing to decode.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        List<byte> bytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        byte[] ihdr = [.. BigEndian(width), .. BigEndian(height), 8, 0, 0, 0, 0];
        AddChunk(bytes, "IHDR", ihdr);
        AddChunk(bytes, "IEND", []);
        return [.. bytes];
    }

    public static byte[] Png(Image image)
    {
        using MemoryStream stream = new();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    private static void AddChunk(List<byte> bytes, string type, byte[] data)
    {
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        bytes.AddRange(BigEndian(data.Length));
        bytes.AddRange(typeAndData);
        bytes.AddRange(BigEndian((int)Crc32(typeAndData)));
    }

    private static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private static uint Crc32(byte[] data)
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

    public static byte[] Jpeg(Image image, int quality)
    {
        using MemoryStream stream = new();
        image.Save(stream, new JpegEncoder { Quality = quality });
        return stream.ToArray();
    }
}
