namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// Reads entropy-coded bits of one scan (T.81 F.2.2.5): removes stuffed zero bytes after 0xFF and stops at the next
/// marker. Past a marker it supplies zero bits but counts them, so running off the data is detected rather than
/// decoded as pixels.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private ulong _buffer;
    private int _count;
    private bool _atMarker;

    public JpegBitReader(ReadOnlySpan<byte> data, int position)
    {
        _data = data;
        _position = position;
    }

    /// <summary>True once more bits were consumed than the scan holds before its next marker.</summary>
    public readonly bool Overran => _count < 0;

    /// <summary>Decodes one difference (T.81 H.1.2.2): a category code, then SSSS extra bits; SSSS 16 means 32768.</summary>
    public int DecodeDifference(JpegHuffmanTable table)
    {
        // 16 bits of code plus at most 15 extra bits fit in one refill.
        if (_count < 32)
        {
            Fill();
        }

        int category = table.Decode(_buffer, out int length);
        Consume(length);
        if (category == 0)
        {
            return 0;
        }

        if (category == 16)
        {
            return 32768;
        }

        int bits = (int)(_buffer >> (64 - category));
        Consume(category);
        return bits < 1 << (category - 1) ? bits - ((1 << category) - 1) : bits;
    }

    /// <summary>Checks the scan ended where its data does and returns the offset of the marker that follows.</summary>
    public int FinishScan()
    {
        EnsureOnlyPaddingLeft("after the last sample of the scan");
        return _position;
    }

    /// <summary>Consumes the restart marker RSTn that must end a restart interval (T.81 F.2.2.5) and resets the bits.</summary>
    public void ReadRestart(int interval)
    {
        int expected = 0xD0 + (interval & 7);
        EnsureOnlyPaddingLeft($"where restart marker RST{interval & 7} is expected");
        int p = _position;
        while (p + 1 < _data.Length && _data[p + 1] == 0xFF)
        {
            p++; // fill bytes may precede any marker (T.81 B.1.1.2)
        }

        if (p + 1 >= _data.Length || _data[p + 1] != expected)
        {
            string found = p + 1 < _data.Length ? $"0xFF{_data[p + 1]:X2}" : "the end of the data";
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"Restart marker RST{interval & 7} was expected after restart interval {interval} but {found} was found; the restart markers are missing or out of order.");
        }

        _position = p + 2;
        _buffer = 0;
        _count = 0;
        _atMarker = false;
    }

    private void EnsureOnlyPaddingLeft(string where)
    {
        if (_count < 0)
        {
            throw EndedEarly();
        }

        Fill();

        // Fewer than 8 bits left are the 1-bit padding to a byte boundary (T.81 F.1.2.3); more is data nobody decoded.
        if (!_atMarker || _count >= 8)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"Entropy-coded data continues {where}; the JPEG stream does not match its declared size.");
        }
    }

    public static ImageRejectedException EndedEarly() => new(ImageErrorCodes.Corrupt, "The entropy-coded data ends before every sample was decoded; the JPEG stream is truncated.");

    private void Consume(int bits)
    {
        _buffer <<= bits;
        _count -= bits;
    }

    private void Fill()
    {
        while (_count <= 56 && !_atMarker)
        {
            if (_position >= _data.Length)
            {
                _atMarker = true;
                return;
            }

            byte value = _data[_position];
            if (value == 0xFF)
            {
                if (_position + 1 >= _data.Length || _data[_position + 1] != 0)
                {
                    _atMarker = true;
                    return;
                }

                _position += 2;
            }
            else
            {
                _position++;
            }

            _buffer |= (ulong)value << (56 - _count);
            _count += 8;
        }
    }
}
