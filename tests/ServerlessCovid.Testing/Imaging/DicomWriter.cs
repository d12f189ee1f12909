using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ServerlessCovid.Testing.Imaging;

/// <summary>
/// A small DICOM Part 10 writer for tests (PS3.10 §7, PS3.5 §7): elements are added in any order and written sorted,
/// in implicit or explicit VR little endian, deflated, or with encapsulated pixel data. Written from the standard,
/// not from the reader, so the reader is checked against an independent encoder. Shared by every test project that
/// sends DICOM through an entry point (preprocessor, triage, labelling, training).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Naming", "CA1720:Identifier contains type name",
    Justification = "Named after what they write: the US value representation (UInt16) and Pixel Representation (signed).")]
public sealed class DicomWriter
{
    public const string Implicit = "1.2.840.10008.1.2";
    public const string Explicit = "1.2.840.10008.1.2.1";
    public const string Deflated = "1.2.840.10008.1.2.1.99";
    public const string JpegBaseline = "1.2.840.10008.1.2.4.50";

    private readonly SortedDictionary<uint, (string Vr, byte[] Value)> _elements = [];

    public DicomWriter Text(uint tag, string vr, string value)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(value);
        if (bytes.Length % 2 == 1)
        {
            bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
        }

        _elements[tag] = (vr, bytes);
        return this;
    }

    public DicomWriter UInt16(uint tag, params int[] values)
    {
        byte[] bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)values[i]);
        }

        _elements[tag] = ("US", bytes);
        return this;
    }

    public DicomWriter Raw(uint tag, string vr, byte[] value)
    {
        _elements[tag] = (vr, value);
        return this;
    }

    /// <summary>The Image Pixel module attributes for a grey or RGB image.</summary>
    public DicomWriter Image(int rows, int columns, string photometric, int bitsAllocated, int bitsStored, bool signed = false, int samples = 1)
    {
        UInt16(0x0028_0002, samples);
        Text(0x0028_0004, "CS", photometric);
        UInt16(0x0028_0010, rows);
        UInt16(0x0028_0011, columns);
        UInt16(0x0028_0100, bitsAllocated);
        UInt16(0x0028_0101, bitsStored);
        UInt16(0x0028_0102, bitsStored - 1);
        UInt16(0x0028_0103, signed ? 1 : 0);
        return this;
    }

    public DicomWriter Pixels(byte[] pixels) => Raw(0x7FE0_0010, "OW", pixels);

    /// <summary>Encapsulated pixel data: an item per fragment after the basic offset table (PS3.5 A.4).</summary>
    public DicomWriter Encapsulated(byte[] offsetTable, params byte[][] fragments)
    {
        using MemoryStream value = new();
        Item(value, offsetTable);
        foreach (byte[] fragment in fragments)
        {
            Item(value, fragment);
        }

        WriteTag(value, 0xFFFE_E0DD);
        WriteUInt32(value, 0);
        _elements[0x7FE0_0010] = ("OB*", value.ToArray());
        return this;
    }

    public static byte[] Samples16(IEnumerable<int> values) =>
        values.SelectMany(v => new[] { (byte)(v & 0xFF), (byte)((v >> 8) & 0xFF) }).ToArray();

    public byte[] ToPart10(string transferSyntax, bool preamble = true)
    {
        using MemoryStream file = new();
        if (preamble)
        {
            file.Write(new byte[128]);
            file.Write("DICM"u8);
        }

        using (MemoryStream meta = new())
        {
            Element(meta, 0x0002_0010, "UI", Pad(transferSyntax), explicitVr: true);
            Element(file, 0x0002_0000, "UL", BitConverter.GetBytes((uint)meta.Length), explicitVr: true);
            meta.WriteTo(file);
        }

        byte[] dataset = Dataset(transferSyntax != Implicit);
        if (transferSyntax == Deflated)
        {
            using MemoryStream compressed = new();
            using (DeflateStream deflate = new(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(dataset);
            }

            dataset = compressed.ToArray();
        }

        file.Write(dataset);
        return file.ToArray();
    }

    /// <summary>The dataset alone, without preamble or meta group (a "bare" dataset).</summary>
    public byte[] Dataset(bool explicitVr)
    {
        using MemoryStream stream = new();
        foreach ((uint tag, (string vr, byte[] value)) in _elements)
        {
            Element(stream, tag, vr, value, explicitVr);
        }

        return stream.ToArray();
    }

    private static byte[] Pad(string uid)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(uid);
        return bytes.Length % 2 == 1 ? [.. bytes, 0] : bytes;
    }

    private static void Element(Stream stream, uint tag, string vr, byte[] value, bool explicitVr)
    {
        bool undefined = vr.EndsWith('*');
        string realVr = vr.TrimEnd('*');
        WriteTag(stream, tag);
        if (explicitVr)
        {
            stream.Write(Encoding.ASCII.GetBytes(realVr));
            if (realVr is "OB" or "OW" or "SQ" or "UN" or "UT")
            {
                stream.Write(new byte[2]);
                WriteUInt32(stream, undefined ? uint.MaxValue : (uint)value.Length);
            }
            else
            {
                stream.Write(BitConverter.GetBytes((ushort)value.Length));
            }
        }
        else
        {
            WriteUInt32(stream, undefined ? uint.MaxValue : (uint)value.Length);
        }

        stream.Write(value);
    }

    /// <summary>A sequence of items, each item's elements written with <paramref name="explicitVr"/>; lengths defined.</summary>
    public static byte[] Sequence(bool explicitVr, params (uint Tag, string Vr, byte[] Value)[][] items)
    {
        using MemoryStream stream = new();
        foreach ((uint Tag, string Vr, byte[] Value)[] item in items)
        {
            using MemoryStream body = new();
            foreach ((uint tag, string vr, byte[] value) in item)
            {
                Element(body, tag, vr, value, explicitVr);
            }

            Item(stream, body.ToArray());
        }

        return stream.ToArray();
    }

    private static void Item(Stream stream, byte[] value)
    {
        WriteTag(stream, 0xFFFE_E000);
        WriteUInt32(stream, (uint)value.Length);
        stream.Write(value);
    }

    private static void WriteTag(Stream stream, uint tag)
    {
        stream.Write(BitConverter.GetBytes((ushort)(tag >> 16)));
        stream.Write(BitConverter.GetBytes((ushort)(tag & 0xFFFF)));
    }

    private static void WriteUInt32(Stream stream, uint value) => stream.Write(BitConverter.GetBytes(value));
}
