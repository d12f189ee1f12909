using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>A value's place in the parsed bytes; the bytes are only read when a kept attribute is asked for.</summary>
internal readonly record struct DicomRange(int Offset, int Length);

/// <summary>
/// What the parser kept from one dataset: the ranges of the attributes in <see cref="DicomTags.IsKept"/>, the pixel
/// data (native range, or the encapsulated items with the basic offset table first) and the first VOI LUT item.
/// Values are decoded on demand from the same bytes, so no other attribute ever becomes a string.
/// </summary>
internal sealed class DicomDataset
{
    private readonly Dictionary<uint, DicomRange> _values = [];

    public DicomRange? NativePixelData { get; set; }

    /// <summary>Encapsulated pixel data items (PS3.5 A.4): the basic offset table, then the fragments.</summary>
    public List<DicomRange>? PixelItems { get; set; }

    /// <summary>Byte offset of each item's tag in <see cref="PixelItems"/>, for resolving the basic offset table.</summary>
    public List<int>? PixelItemStarts { get; set; }

    public DicomRange? LutDescriptor { get; set; }

    public DicomRange? LutData { get; set; }

    public bool HasPixelData => NativePixelData is not null || PixelItems is not null;

    public void Keep(uint tag, DicomRange range) => _values.TryAdd(tag, range);

    public bool Has(uint tag) => _values.ContainsKey(tag);

    public int? UInt16(ReadOnlySpan<byte> data, uint tag) =>
        _values.TryGetValue(tag, out DicomRange range) && range.Length >= 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(range.Offset, 2))
            : null;

    /// <summary>The first value of a text attribute (CS, DS, IS, UI), trimmed of padding; null when absent or empty.</summary>
    public string? Text(ReadOnlySpan<byte> data, uint tag)
    {
        if (!_values.TryGetValue(tag, out DicomRange range))
        {
            return null;
        }

        ReadOnlySpan<byte> value = data.Slice(range.Offset, range.Length);
        int separator = value.IndexOf((byte)'\\');
        if (separator >= 0)
        {
            value = value[..separator];
        }

        string text = Encoding.ASCII.GetString(value).Trim(' ', '\0');
        return text.Length == 0 ? null : text;
    }

    /// <summary>The first value of a DS or IS attribute; a value that is not a number is corrupt, not ignored.</summary>
    public double? Number(ReadOnlySpan<byte> data, uint tag)
    {
        string? text = Text(data, tag);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw DicomErrors.Corrupt($"attribute {DicomTags.Format(tag)} is not a number");
        }

        return value;
    }
}
