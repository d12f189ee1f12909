using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Cli.Bench;

/// <summary>Which path a benchmark input takes, and so whether ImageSharp's own decode is timed beside it.</summary>
internal enum BenchInputKind
{
    Png16,
    DicomUncompressed,
    DicomJpegLossless,
    GreyJpeg,
}

/// <summary>One benchmark input: a name for the row and the bytes as a hospital would send them.</summary>
internal sealed record BenchInput(string Name, BenchInputKind Kind, byte[] Bytes);

/// <summary>
/// The same radiograph-like image (12-bit detector values in 16-bit samples, 2048×2500 by default) in the formats
/// hospitals send: a 16-bit greyscale PNG, a greyscale JPEG, and DICOM uncompressed and JPEG Lossless (Process 14,
/// SV1). Made here so <c>covid bench infer --formats</c> needs no files; the content is smooth anatomy plus detector
/// noise in the low bits, so compressors and decoders do realistic work.
/// </summary>
internal static class RealisticInputs
{
    private const int BitsStored = 12;

    public static IReadOnlyList<BenchInput> Create(int width, int height)
    {
        ushort[] samples = Radiograph(width, height);
        string size = $"{width}x{height}";
        return
        [
            new($"{size} 16-bit grey PNG", BenchInputKind.Png16, Png16(samples, width, height)),
            new($"{size} DICOM uncompressed 16-bit", BenchInputKind.DicomUncompressed, Dicom(samples, width, height, lossless: false)),
            new($"{size} DICOM JPEG Lossless SV1", BenchInputKind.DicomJpegLossless, Dicom(samples, width, height, lossless: true)),
            new($"{size} grey JPEG (q90)", BenchInputKind.GreyJpeg, GreyJpeg(samples, width, height)),
        ];
    }

    private static ushort[] Radiograph(int width, int height)
    {
        ushort[] samples = new ushort[width * height];
        for (int y = 0; y < height; y++)
        {
            double v = (double)y / height;
            for (int x = 0; x < width; x++)
            {
                double u = (double)x / width;
                double body = 170 * Math.Exp(-(Math.Pow((u - 0.5) / 0.42, 4) + Math.Pow((v - 0.55) / 0.5, 4)));
                double lungs = 70 * (Math.Exp(-(Math.Pow((u - 0.32) / 0.13, 2) + Math.Pow((v - 0.45) / 0.22, 2)))
                    + Math.Exp(-(Math.Pow((u - 0.68) / 0.13, 2) + Math.Pow((v - 0.45) / 0.22, 2))));
                double ribs = 12 * Math.Sin((v * 60) + (4 * Math.Abs(u - 0.5)));
                uint hash = (uint)((x * 73856093) ^ (y * 19349663));
                hash ^= hash >> 13;
                hash *= 0x5bd1e995;
                hash ^= hash >> 15;
                double value = (16 * (30 + body - lungs + ribs)) + (hash % 48);
                samples[(y * width) + x] = (ushort)Math.Clamp(value, 0, (1 << BitsStored) - 1);
            }
        }

        return samples;
    }

    /// <summary>As exported by most PACS viewers: the 12-bit values scaled to the full 16-bit range.</summary>
    private static byte[] Png16(ushort[] samples, int width, int height)
    {
        using Image<L16> image = new(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < height; y++)
            {
                Span<L16> row = rows.GetRowSpan(y);
                for (int x = 0; x < width; x++)
                {
                    row[x] = new L16((ushort)(samples[(y * width) + x] << (16 - BitsStored)));
                }
            }
        });
        using MemoryStream stream = new();
        image.Save(stream, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 });
        return stream.ToArray();
    }

    private static byte[] GreyJpeg(ushort[] samples, int width, int height)
    {
        using Image<L8> image = new(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < height; y++)
            {
                Span<L8> row = rows.GetRowSpan(y);
                for (int x = 0; x < width; x++)
                {
                    row[x] = new L8((byte)(samples[(y * width) + x] >> (BitsStored - 8)));
                }
            }
        });
        using MemoryStream stream = new();
        image.Save(stream, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 90 });
        return stream.ToArray();
    }

    /// <summary>A DX image in a Part 10 file (PS3.10 §7), Explicit VR Little Endian or JPEG Lossless SV1, with a window.</summary>
    private static byte[] Dicom(ushort[] samples, int width, int height, bool lossless)
    {
        using MemoryStream file = new();
        file.Write(new byte[128]);
        file.Write("DICM"u8);
        Element(file, 0x0002, 0x0010, "UI", Uid(lossless ? "1.2.840.10008.1.2.4.70" : "1.2.840.10008.1.2.1"));
        Element(file, 0x0008, 0x0060, "CS", Text("DX"));
        Element(file, 0x0018, 0x5101, "CS", Text("PA"));
        Element(file, 0x0028, 0x0002, "US", UShort(1));
        Element(file, 0x0028, 0x0004, "CS", Text("MONOCHROME2"));
        Element(file, 0x0028, 0x0010, "US", UShort(height));
        Element(file, 0x0028, 0x0011, "US", UShort(width));
        Element(file, 0x0028, 0x0100, "US", UShort(16));
        Element(file, 0x0028, 0x0101, "US", UShort(BitsStored));
        Element(file, 0x0028, 0x0102, "US", UShort(BitsStored - 1));
        Element(file, 0x0028, 0x0103, "US", UShort(0));
        Element(file, 0x0028, 0x1050, "DS", Text("2048"));
        Element(file, 0x0028, 0x1051, "DS", Text("4096"));
        if (!lossless)
        {
            byte[] pixels = new byte[samples.Length * 2];
            for (int i = 0; i < samples.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * i), samples[i]);
            }

            Element(file, 0x7FE0, 0x0010, "OW", pixels);
            return file.ToArray();
        }

        // Encapsulated (PS3.5 A.4): undefined length, an empty basic offset table, one fragment, a delimiter.
        byte[] jpeg = BenchLosslessJpeg.Encode(samples, width, height, BitsStored);
        Header(file, 0x7FE0, 0x0010, "OB", uint.MaxValue);
        Item(file, 0xE000, []);
        Item(file, 0xE000, jpeg.Length % 2 == 0 ? jpeg : [.. jpeg, 0]);
        Item(file, 0xE0DD, []);
        return file.ToArray();
    }

    private static void Element(Stream file, ushort group, ushort element, string vr, byte[] value)
    {
        Header(file, group, element, vr, (uint)value.Length);
        file.Write(value);
    }

    /// <summary>Explicit VR: OB, OW, UN and friends have 2 reserved bytes and a 32-bit length (PS3.5 §7.1.2).</summary>
    private static void Header(Stream file, ushort group, ushort element, string vr, uint length)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(header, group);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], element);
        Encoding.ASCII.GetBytes(vr, header[4..]);
        if (vr is "OB" or "OW")
        {
            header[6] = 0;
            header[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], length);
            file.Write(header);
            return;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)length);
        file.Write(header[..8]);
    }

    private static void Item(Stream file, ushort element, byte[] value)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(header, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], element);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)value.Length);
        file.Write(header);
        file.Write(value);
    }

    private static byte[] UShort(int value) => [(byte)value, (byte)(value >> 8)];

    /// <summary>Text values are padded to even length with a space, UIDs with a NUL (PS3.5 §6.2).</summary>
    private static byte[] Text(string value) => Encoding.ASCII.GetBytes(value.Length % 2 == 0 ? value : value + " ");

    private static byte[] Uid(string value) => [.. Encoding.ASCII.GetBytes(value), .. value.Length % 2 == 0 ? Array.Empty<byte>() : [0]];
}
