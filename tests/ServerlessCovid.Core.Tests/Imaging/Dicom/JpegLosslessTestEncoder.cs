namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>Code lengths for the 17 lossless difference categories (0-16) the test encoder may use.</summary>
public enum JpegTestTable
{
    /// <summary>Category n has an (n+1)-bit code up to 14 bits, then 16-bit codes: exercises the long-code path.</summary>
    Skewed,

    /// <summary>Every category has a 5-bit code: the one-lookup path.</summary>
    Flat,

    /// <summary>Lengths computed from the image's own category counts (T.81 K.2), limited to 16 bits.</summary>
    Optimal,
}

internal sealed record JpegLosslessTestOptions(int Precision, int Predictor = 1, int PointTransform = 0, int RestartRows = 0, bool Interleaved = true, JpegTestTable Table = JpegTestTable.Skewed);

/// <summary>
/// A small JPEG Lossless encoder (ITU T.81 Annex H, Huffman, Process 14) for round-trip tests. It predicts exactly as
/// H.1.2.1 says, so its output is an independent statement of the standard only where predictors 1-3 are concerned;
/// the hand-made streams and the DCMTK reference files cover the decoder from outside.
/// </summary>
internal static class JpegLosslessTestEncoder
{
    /// <summary>Encodes pixel-interleaved samples (each already within the precision).</summary>
    public static byte[] Encode(ReadOnlySpan<ushort> samples, int rows, int columns, int components, JpegLosslessTestOptions options)
    {
        int[][] differences = Differences(samples, rows, columns, components, options);
        byte[][] lengths = [.. Enumerable.Range(0, components).Select(c => CodeLengths(options.Table, differences[c]))];
        var output = new List<byte> { 0xFF, 0xD8 };
        int tableCount = Math.Min(components, 2); // components 0 and 2 share table 0, so one DHT serves two scans
        for (int t = 0; t < tableCount; t++)
        {
            WriteTable(output, t, lengths[t]);
        }

        WriteSegment(output, 0xC3, [(byte)options.Precision, (byte)(rows >> 8), (byte)rows, (byte)(columns >> 8), (byte)columns, (byte)components,
            .. Enumerable.Range(0, components).SelectMany(c => new byte[] { (byte)(c + 1), 0x11, 0 })]);
        if (options.RestartRows > 0)
        {
            int interval = options.RestartRows * columns;
            WriteSegment(output, 0xDD, [(byte)(interval >> 8), (byte)interval]);
        }

        int[][] scans = options.Interleaved ? [[.. Enumerable.Range(0, components)]] : [.. Enumerable.Range(0, components).Select(c => new[] { c })];
        foreach (int[] scan in scans)
        {
            WriteSegment(output, 0xDA, [(byte)scan.Length, .. scan.SelectMany(c => new byte[] { (byte)(c + 1), (byte)((c % 2) << 4) }),
                (byte)options.Predictor, 0, (byte)options.PointTransform]);
            (int Code, int Length)[][] codes = [.. scan.Select(c => CanonicalCodes(lengths[c % 2]))];
            var bits = new BitWriter(output);
            int interval = 0;
            for (int y = 0; y < rows; y++)
            {
                if (options.RestartRows > 0 && y > 0 && y % options.RestartRows == 0)
                {
                    bits.Flush();
                    output.Add(0xFF);
                    output.Add((byte)(0xD0 + (interval++ & 7)));
                }

                for (int x = 0; x < columns; x++)
                {
                    for (int i = 0; i < scan.Length; i++)
                    {
                        int difference = differences[scan[i]][(y * columns) + x];
                        int category = Category(difference);
                        (int code, int length) = codes[i][category];
                        bits.Write(code, length);
                        if (category is > 0 and < 16)
                        {
                            bits.Write(difference < 0 ? difference + (1 << category) - 1 : difference, category);
                        }
                    }
                }
            }

            bits.Flush();
        }

        output.Add(0xFF);
        output.Add(0xD9);
        return [.. output];
    }

    /// <summary>Writes one DHT segment for lossless categories from per-category code lengths (0 = unused).</summary>
    public static void WriteTable(List<byte> output, int tableId, byte[] lengths)
    {
        byte[] counts = new byte[16];
        var symbols = new List<byte>();
        for (int length = 1; length <= 16; length++)
        {
            for (int s = 0; s < lengths.Length; s++)
            {
                if (lengths[s] == length)
                {
                    counts[length - 1]++;
                    symbols.Add((byte)s);
                }
            }
        }

        WriteSegment(output, 0xC4, [(byte)tableId, .. counts, .. symbols]);
    }

    public static void WriteSegment(List<byte> output, byte marker, byte[] body)
    {
        output.AddRange([0xFF, marker, (byte)((body.Length + 2) >> 8), (byte)(body.Length + 2)]);
        output.AddRange(body);
    }

    public static int Category(int difference)
    {
        int magnitude = Math.Abs(difference);
        return magnitude == 0 ? 0 : 32 - int.LeadingZeroCount(magnitude);
    }

    private static int[][] Differences(ReadOnlySpan<ushort> samples, int rows, int columns, int components, JpegLosslessTestOptions options)
    {
        int pt = options.PointTransform;
        int initial = 1 << (options.Precision - pt - 1);
        var result = new int[components][];
        for (int c = 0; c < components; c++)
        {
            int[] reduced = new int[rows * columns];
            for (int p = 0; p < reduced.Length; p++)
            {
                reduced[p] = samples[(p * components) + c] >> pt;
            }

            int[] differences = new int[reduced.Length];
            for (int y = 0; y < rows; y++)
            {
                bool firstLine = y == 0 || (options.RestartRows > 0 && y % options.RestartRows == 0);
                for (int x = 0; x < columns; x++)
                {
                    int p = (y * columns) + x;
                    int prediction = (x, firstLine) switch
                    {
                        (0, true) => initial,
                        (0, false) => reduced[p - columns],
                        (_, true) => reduced[p - 1],
                        _ => Predict(options.Predictor, reduced[p - 1], reduced[p - columns], reduced[p - columns - 1]),
                    };

                    // Differences are taken modulo 2^16 into -32767..32768 (T.81 H.1.2.1, Table H.2).
                    int difference = (reduced[p] - prediction) & 0xFFFF;
                    differences[p] = difference > 32768 ? difference - 65536 : difference;
                }
            }

            result[c] = differences;
        }

        return result;
    }

    private static int Predict(int predictor, int ra, int rb, int rc) => predictor switch
    {
        1 => ra,
        2 => rb,
        3 => rc,
        4 => ra + rb - rc,
        5 => ra + ((rb - rc) >> 1),
        6 => rb + ((ra - rc) >> 1),
        7 => (ra + rb) >> 1,
        _ => throw new ArgumentOutOfRangeException(nameof(predictor)),
    };

    private static byte[] CodeLengths(JpegTestTable table, int[] differences) => table switch
    {
        JpegTestTable.Skewed => [.. Enumerable.Range(0, 17).Select(s => (byte)(s < 14 ? s + 1 : 16))],
        JpegTestTable.Flat => [.. Enumerable.Repeat((byte)5, 17)],
        _ => OptimalLengths(differences),
    };

    /// <summary>Huffman code sizes from category counts, per T.81 K.2 (Figures K.1 and K.3), with the reserved all-ones code.</summary>
    private static byte[] OptimalLengths(int[] differences)
    {
        long[] freq = new long[18];
        foreach (int d in differences)
        {
            freq[Category(d)]++;
        }

        freq[17] = 1; // reserves the all-ones code (K.2)
        int[] codeSize = new int[18];
        int[] others = Enumerable.Repeat(-1, 18).ToArray();
        while (true)
        {
            int v1 = -1;
            int v2 = -1;
            for (int i = 0; i < 18; i++)
            {
                if (freq[i] > 0 && (v1 < 0 || freq[i] <= freq[v1]))
                {
                    v1 = i;
                }
            }

            for (int i = 0; i < 18; i++)
            {
                if (freq[i] > 0 && i != v1 && (v2 < 0 || freq[i] <= freq[v2]))
                {
                    v2 = i;
                }
            }

            if (v2 < 0)
            {
                break;
            }

            freq[v1] += freq[v2];
            freq[v2] = 0;
            codeSize[v1]++;
            while (others[v1] >= 0)
            {
                v1 = others[v1];
                codeSize[v1]++;
            }

            others[v1] = v2;
            codeSize[v2]++;
            while (others[v2] >= 0)
            {
                v2 = others[v2];
                codeSize[v2]++;
            }
        }

        int[] bits = new int[40];
        foreach (int size in codeSize)
        {
            if (size > 0)
            {
                bits[size]++;
            }
        }

        for (int i = 39; i > 16; i--)
        {
            while (bits[i] > 0)
            {
                int j = i - 2;
                while (bits[j] == 0)
                {
                    j--;
                }

                bits[i] -= 2;
                bits[i - 1]++;
                bits[j + 1] += 2;
                bits[j]--;
            }
        }

        int last = 16;
        while (bits[last] == 0)
        {
            last--;
        }

        bits[last]--; // drop the reserved code

        // Assign the limited lengths to categories by descending frequency of their original sizes (K.2 order).
        int[] order = [.. Enumerable.Range(0, 17).Where(s => codeSize[s] > 0).OrderBy(s => codeSize[s]).ThenBy(s => s)];
        byte[] lengths = new byte[17];
        int k = 0;
        for (int length = 1; length <= 16; length++)
        {
            for (int n = 0; n < bits[length]; n++)
            {
                lengths[order[k++]] = (byte)length;
            }
        }

        return lengths;
    }

    private static (int Code, int Length)[] CanonicalCodes(byte[] lengths)
    {
        var codes = new (int Code, int Length)[17];
        int code = 0;
        for (int length = 1; length <= 16; length++)
        {
            for (int s = 0; s < lengths.Length; s++)
            {
                if (lengths[s] == length)
                {
                    codes[s] = (code++, length);
                }
            }

            code <<= 1;
        }

        return codes;
    }

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

        /// <summary>Pads the last byte with 1 bits (T.81 F.1.2.3).</summary>
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
                output.Add(0); // byte stuffing (F.1.2.3)
            }

            _buffer = 0;
            _count = 0;
        }
    }
}
