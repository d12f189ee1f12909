namespace ServerlessCovid.Core.Tests.Imaging;

/// <summary>
/// A minimal progressive (SOF2) JPEG writer, because ImageSharp 2.1 encodes neither progressive nor CMYK JPEG (it
/// silently writes YCbCr when asked for CMYK). Each 8×8 block is flat (its DC coefficient carries the value; all-zero
/// AC scans follow), so the decoded samples are known exactly: an interleaved DC-first scan, then one
/// spectral-selection AC scan per component, as real progressive files are laid out. Four components with an Adobe
/// APP14 marker (transform 0) make a CMYK file as Photoshop writes them (inverted samples).
/// </summary>
internal static class ProgressiveJpeg
{
    // The standard luminance DC table (ITU T.81 K.3): categories 0..11.
    private static readonly byte[] DcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] DcValues = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    /// <summary><paramref name="blockValue"/>(blockX, blockY) gives each 8×8 block's grey level.</summary>
    public static byte[] Encode(int blocksWide, int blocksHigh, Func<int, int, byte> blockValue) =>
        Encode(blocksWide, blocksHigh, 1, (bx, by, _) => blockValue(bx, by));

    /// <summary><paramref name="blockValue"/>(blockX, blockY, component) gives each block's sample; 1 or 4 components.</summary>
    public static byte[] Encode(int blocksWide, int blocksHigh, int components, Func<int, int, int, byte> blockValue)
    {
        using MemoryStream output = new();
        output.Write([0xFF, 0xD8]);
        if (components == 4)
        {
            output.Write([0xFF, 0xEE, 0x00, 0x0E, .. "Adobe"u8, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);
        }

        // Quantisation table 0: all ones, so DC = 8 × (value − 128) survives exactly.
        output.Write([0xFF, 0xDB, 0x00, 0x43, 0x00]);
        output.Write(Enumerable.Repeat((byte)1, 64).ToArray());

        // SOF2: progressive, 8-bit, every component with 1×1 sampling and quantisation table 0.
        int height = blocksHigh * 8;
        int width = blocksWide * 8;
        output.Write([0xFF, 0xC2, 0x00, (byte)(8 + (3 * components)), 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)components]);
        for (int c = 1; c <= components; c++)
        {
            output.Write([(byte)c, 0x11, 0x00]);
        }

        // DHT: DC table 0 (standard) and AC table 0 with the single symbol 0x00 (EOB), code "0".
        output.Write([0xFF, 0xC4, 0x00, (byte)(2 + 1 + 16 + DcValues.Length), 0x00]);
        output.Write(DcBits);
        output.Write(DcValues);
        output.Write([0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);

        (int Code, int Length)[] dcCodes = CanonicalCodes(DcBits, DcValues);

        // Scan 1: DC first (Ss=0, Se=0, Ah=Al=0), all components interleaved, one block each per MCU.
        output.Write([0xFF, 0xDA, 0x00, (byte)(6 + (2 * components)), (byte)components]);
        for (int c = 1; c <= components; c++)
        {
            output.Write([(byte)c, 0x00]);
        }

        output.Write([0x00, 0x00, 0x00]);
        BitWriter dc = new(output);
        int[] previous = new int[components];
        for (int by = 0; by < blocksHigh; by++)
        {
            for (int bx = 0; bx < blocksWide; bx++)
            {
                for (int c = 0; c < components; c++)
                {
                    int coefficient = 8 * (blockValue(bx, by, c) - 128);
                    int diff = coefficient - previous[c];
                    previous[c] = coefficient;
                    int category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                    dc.Write(dcCodes[category].Code, dcCodes[category].Length);
                    if (category > 0)
                    {
                        dc.Write(diff > 0 ? diff : diff - 1 + (1 << category), category);
                    }
                }
            }
        }

        dc.Flush();

        // Then per component: AC spectral selection 1..63, every block ends at once (EOB).
        for (int c = 1; c <= components; c++)
        {
            output.Write([0xFF, 0xDA, 0x00, 0x08, 0x01, (byte)c, 0x00, 0x01, 0x3F, 0x00]);
            BitWriter ac = new(output);
            for (int block = 0; block < blocksWide * blocksHigh; block++)
            {
                ac.Write(0, 1);
            }

            ac.Flush();
        }
        output.Write([0xFF, 0xD9]);
        return output.ToArray();
    }

    private static (int Code, int Length)[] CanonicalCodes(byte[] bits, byte[] values)
    {
        (int Code, int Length)[] codes = new (int, int)[values.Length];
        int code = 0;
        int k = 0;
        for (int length = 1; length <= 16; length++)
        {
            for (int i = 0; i < bits[length - 1]; i++)
            {
                codes[values[k++]] = (code, length);
                code++;
            }

            code <<= 1;
        }

        return codes;
    }

    private sealed class BitWriter(Stream stream)
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
                _buffer = (_buffer << 1) | 1; // pad with ones
                if (++_count == 8)
                {
                    Emit();
                }
            }
        }

        private void Emit()
        {
            stream.WriteByte((byte)_buffer);
            if (_buffer == 0xFF)
            {
                stream.WriteByte(0x00); // byte stuffing
            }

            _buffer = 0;
            _count = 0;
        }
    }
}
