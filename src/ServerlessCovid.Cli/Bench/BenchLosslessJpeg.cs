namespace ServerlessCovid.Cli.Bench;

/// <summary>
/// A minimal JPEG Lossless encoder (ITU T.81 Annex H: Huffman, one component, predictor 1, no point transform,
/// no restarts) for the benchmark's lossless DICOM input: the layout CR/DX modalities write as transfer syntax
/// 1.2.840.10008.1.2.4.70. The code lengths are fixed and short for the small differences that dominate x-rays.
/// </summary>
internal static class BenchLosslessJpeg
{
    /// <summary>Code length of each difference category 0–16 (a valid prefix code: the Kraft sum is below 1).</summary>
    private static readonly byte[] CodeLengths = [4, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

    public static byte[] Encode(ReadOnlySpan<ushort> samples, int width, int height, int precision)
    {
        (int Code, int Length)[] codes = CanonicalCodes();
        List<byte> output = new(samples.Length * 2) { 0xFF, 0xD8 };
        WriteHuffmanTable(output);
        Segment(output, 0xC3, [(byte)precision, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]);
        Segment(output, 0xDA, [1, 1, 0x00, 1, 0, 0]);
        BitWriter bits = new(output);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // H.1.2.1: the first sample predicts from 2^(P-1), the first row from the left, the first column from above.
                int prediction = (x, y) switch
                {
                    (0, 0) => 1 << (precision - 1),
                    (_, 0) => samples[x - 1],
                    (0, _) => samples[((y - 1) * width) + x],
                    _ => samples[(y * width) + x - 1],
                };
                int difference = (samples[(y * width) + x] - prediction) & 0xFFFF;
                if (difference >= 0x8000)
                {
                    difference -= 0x10000;
                }

                int category = difference == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(difference));
                bits.Write(codes[category].Code, codes[category].Length);
                if (category is > 0 and < 16)
                {
                    // H.1.2.2 / F.1.2.1.1: negative differences are sent as difference - 1 in the low bits.
                    bits.Write((difference < 0 ? difference - 1 : difference) & ((1 << category) - 1), category);
                }
            }
        }

        bits.Flush();
        output.Add(0xFF);
        output.Add(0xD9);
        return [.. output];
    }

    private static (int Code, int Length)[] CanonicalCodes()
    {
        (int, int)[] codes = new (int, int)[CodeLengths.Length];
        int code = 0;
        for (int length = 1; length <= 16; length++)
        {
            for (int symbol = 0; symbol < CodeLengths.Length; symbol++)
            {
                if (CodeLengths[symbol] == length)
                {
                    codes[symbol] = (code++, length);
                }
            }

            code <<= 1;
        }

        return codes;
    }

    private static void WriteHuffmanTable(List<byte> output)
    {
        List<byte> table = [0x00];
        for (int length = 1; length <= 16; length++)
        {
            table.Add((byte)CodeLengths.Count(l => l == length));
        }

        for (int length = 1; length <= 16; length++)
        {
            for (int symbol = 0; symbol < CodeLengths.Length; symbol++)
            {
                if (CodeLengths[symbol] == length)
                {
                    table.Add((byte)symbol);
                }
            }
        }

        Segment(output, 0xC4, [.. table]);
    }

    private static void Segment(List<byte> output, byte marker, byte[] body)
    {
        output.Add(0xFF);
        output.Add(marker);
        output.Add((byte)((body.Length + 2) >> 8));
        output.Add((byte)(body.Length + 2));
        output.AddRange(body);
    }

    /// <summary>MSB-first bits with 0xFF bytes stuffed (F.1.2.3) and the last byte padded with ones.</summary>
    private sealed class BitWriter(List<byte> output)
    {
        private int _buffer;
        private int _count;

        public void Write(int value, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                _buffer = (_buffer << 1) | ((value >> i) & 1);
                if (++_count == 8)
                {
                    Emit();
                }
            }
        }

        public void Flush()
        {
            while (_count != 0)
            {
                Write(1, 1);
            }
        }

        private void Emit()
        {
            output.Add((byte)_buffer);
            if (_buffer == 0xFF)
            {
                output.Add(0);
            }

            _buffer = 0;
            _count = 0;
        }
    }
}
