namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// One DHT table for lossless differences (ITU T.81 C and F.2.2.3), decoded through a 9-bit lookup so that the
/// common short codes cost one array read; longer codes fall back to the canonical MAXCODE walk of F.16.
/// </summary>
internal sealed class JpegHuffmanTable
{
    /// <summary>Codes up to this many bits resolve in one lookup.</summary>
    public const int LookupBits = 9;

    /// <summary>Difference categories SSSS run 0 to 16 in lossless mode (T.81 Table H.2).</summary>
    private const int MaxCategory = 16;

    // Entry = (code length << 8) | symbol, or 0 where the prefix starts a longer code (or no code at all).
    private readonly ushort[] _lookup = new ushort[1 << LookupBits];
    private readonly int[] _minCode = new int[17];
    private readonly int[] _maxCode = new int[17];
    private readonly int[] _valueOffset = new int[17];
    private readonly byte[] _symbols;

    private JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols, int tableId)
    {
        _symbols = symbols.ToArray();
        int code = 0;
        int k = 0;
        for (int length = 1; length <= 16; length++)
        {
            int count = counts[length - 1];
            _minCode[length] = code;
            _valueOffset[length] = k - code;
            _maxCode[length] = count == 0 ? -1 : code + count - 1;
            for (int i = 0; i < count; i++, k++, code++)
            {
                if (code >= 1 << length)
                {
                    throw Corrupt($"DHT table {tableId} declares more {length}-bit codes than fit (T.81 C); the Huffman table is corrupt.");
                }

                if (_symbols[k] > MaxCategory)
                {
                    throw Corrupt($"DHT table {tableId} holds symbol {_symbols[k]}; lossless difference categories are 0 to 16 (T.81 H.1.2.2).");
                }

                if (length <= LookupBits)
                {
                    int shift = LookupBits - length;
                    int first = code << shift;
                    ushort entry = (ushort)((length << 8) | _symbols[k]);
                    _lookup.AsSpan(first, 1 << shift).Fill(entry);
                }
            }

            code <<= 1;
        }
    }

    /// <summary>Parses the counts and symbols of one table from a DHT segment and returns the bytes it used.</summary>
    public static JpegHuffmanTable Parse(ReadOnlySpan<byte> segment, int tableId, out int consumed)
    {
        if (segment.Length < 16)
        {
            throw Corrupt($"DHT table {tableId} is cut off before its 16 code-length counts.");
        }

        ReadOnlySpan<byte> counts = segment[..16];
        int total = 0;
        foreach (byte count in counts)
        {
            total += count;
        }

        if (total is 0 or > 256 || 16 + total > segment.Length)
        {
            throw Corrupt($"DHT table {tableId} declares {total} codes, which its segment does not hold; the Huffman table is corrupt.");
        }

        consumed = 16 + total;
        return new JpegHuffmanTable(counts, segment.Slice(16, total), tableId);
    }

    /// <summary>Resolves the code at the top of <paramref name="bits"/> (left-aligned); returns its length and category.</summary>
    public int Decode(ulong bits, out int length)
    {
        int entry = _lookup[(int)(bits >> (64 - LookupBits))];
        if (entry != 0)
        {
            length = entry >> 8;
            return entry & 0xFF;
        }

        for (length = LookupBits + 1; length <= 16; length++)
        {
            int code = (int)(bits >> (64 - length));
            if (code <= _maxCode[length] && code >= _minCode[length])
            {
                return _symbols[code + _valueOffset[length]];
            }
        }

        throw Corrupt("The entropy-coded data holds a bit pattern that is no code of its Huffman table; the JPEG stream is corrupt.");
    }

    private static ImageRejectedException Corrupt(string reason) => new(ImageErrorCodes.Corrupt, reason);
}
