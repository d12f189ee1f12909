using System.Buffers.Binary;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>One element header: tag, VR (0 in implicit VR and for items), value length and where the value starts.</summary>
internal readonly record struct DicomElementHeader(uint Tag, ushort Vr, uint Length, int ValueOffset)
{
    public const uint UndefinedLength = 0xFFFF_FFFF;

    public bool IsUndefinedLength => Length == UndefinedLength;

    public ushort Group => (ushort)(Tag >> 16);
}

/// <summary>
/// Reads little-endian element headers (PS3.5 §7.1) from a span, explicit or implicit VR. It never reads a value
/// it was not asked for, and every length is checked against the bytes that remain.
/// </summary>
internal ref struct DicomElementReader(ReadOnlySpan<byte> data, int position, bool explicitVr)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; set; } = position;

    public readonly bool ExplicitVr { get; } = explicitVr;

    public readonly ReadOnlySpan<byte> Data => _data;

    public static ushort Vr(char first, char second) => (ushort)((first << 8) | second);

    public const ushort SQ = ('S' << 8) | 'Q';

    /// <summary>Reads the next header, or returns false at <paramref name="end"/>; a header cut off by the end is corrupt.</summary>
    public bool TryReadHeader(int end, out DicomElementHeader header)
    {
        header = default;
        if (Position >= end)
        {
            return false;
        }

        if (end - Position < 8)
        {
            throw DicomErrors.Corrupt($"an element header at byte {Position} is cut off by the end of the data");
        }

        ReadOnlySpan<byte> bytes = _data[Position..end];
        uint tag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(bytes) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]);
        if ((tag >> 16) == 0xFFFE || !ExplicitVr)
        {
            // Items and delimiters have no VR even in explicit VR (PS3.5 §7.5).
            header = new DicomElementHeader(tag, 0, BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]), Position + 8);
            Position += 8;
            return true;
        }

        ushort vr = (ushort)((bytes[4] << 8) | bytes[5]);
        if (!IsVrLetter(bytes[4]) || !IsVrLetter(bytes[5]))
        {
            throw DicomErrors.Corrupt($"element {DicomTags.Format(tag)} at byte {Position} has no valid value representation");
        }

        if (HasLongLength(vr))
        {
            if (bytes.Length < 12)
            {
                throw DicomErrors.Corrupt($"the header of element {DicomTags.Format(tag)} is cut off by the end of the data");
            }

            header = new DicomElementHeader(tag, vr, BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]), Position + 12);
            Position += 12;
            return true;
        }

        header = new DicomElementHeader(tag, vr, BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]), Position + 8);
        Position += 8;
        return true;
    }

    /// <summary>Checks that a defined length fits before <paramref name="end"/> and steps past the value.</summary>
    public int SkipValue(in DicomElementHeader header, int end)
    {
        if (header.IsUndefinedLength || header.Length > (uint)(end - header.ValueOffset))
        {
            throw DicomErrors.Corrupt(
                $"element {DicomTags.Format(header.Tag)} declares {header.Length:N0} bytes but only "
                + $"{end - header.ValueOffset:N0} remain");
        }

        Position = header.ValueOffset + (int)header.Length;
        return Position;
    }

    private static bool IsVrLetter(byte b) => b is >= (byte)'A' and <= (byte)'Z';

    /// <summary>PS3.5 Table 7.1-1: the VRs with a 2-byte reserved field and a 4-byte length.</summary>
    private static bool HasLongLength(ushort vr) =>
        vr == Vr('O', 'B') || vr == Vr('O', 'D') || vr == Vr('O', 'F') || vr == Vr('O', 'L') || vr == Vr('O', 'V')
        || vr == Vr('O', 'W') || vr == SQ || vr == Vr('U', 'C') || vr == Vr('U', 'N') || vr == Vr('U', 'R')
        || vr == Vr('U', 'T') || vr == Vr('S', 'V') || vr == Vr('U', 'V');
}

/// <summary>The reader's refusals, each with its stable code.</summary>
internal static class DicomErrors
{
    public static ImageRejectedException Corrupt(string why) =>
        new(ImageErrorCodes.Corrupt, $"The DICOM file is damaged or not a valid dataset: {why}.");

    public static ImageRejectedException Unsupported(string what) =>
        new(ImageErrorCodes.UnsupportedFormat, $"This DICOM image uses {what}, which the reader does not support.");
}
