namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>Seeded sample images for the codec round trips, and their native little-endian byte layout.</summary>
internal static class CodecTestImages
{
    /// <summary>Random samples up to 2^bits - 1, with the first row pinned to the extremes 0 and max.</summary>
    public static ushort[] Random(int rows, int columns, int samples, int bits, int seed)
    {
        var random = new Random(seed);
        int max = (1 << bits) - 1;
        ushort[] values = new ushort[rows * columns * samples];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (ushort)random.Next(max + 1);
        }

        for (int i = 0; i < Math.Min(columns * samples, values.Length); i++)
        {
            values[i] = (ushort)(i % 2 == 0 ? 0 : max);
        }

        return values;
    }

    /// <summary>Smooth gradients with flat patches, like a radiograph: small differences and long runs.</summary>
    public static ushort[] Smooth(int rows, int columns, int samples, int bits, int seed)
    {
        var random = new Random(seed);
        int max = (1 << bits) - 1;
        ushort[] values = new ushort[rows * columns * samples];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < columns; x++)
            {
                for (int c = 0; c < samples; c++)
                {
                    int flat = (x / 8 + y / 8) % 3 == 0 ? 0 : 1;
                    int value = flat * ((((x * 3) + (y * 5) + (c * 7)) * max / Math.Max(1, (3 * columns) + (5 * rows) + 14)) + random.Next(4));
                    values[(((y * columns) + x) * samples) + c] = (ushort)Math.Clamp(value, 0, max);
                }
            }
        }

        return values;
    }

    public static byte[] ToNative(ReadOnlySpan<ushort> values, int bitsAllocated)
    {
        byte[] native = new byte[values.Length * (bitsAllocated / 8)];
        for (int i = 0; i < values.Length; i++)
        {
            if (bitsAllocated == 8)
            {
                native[i] = (byte)values[i];
            }
            else
            {
                native[2 * i] = (byte)values[i];
                native[(2 * i) + 1] = (byte)(values[i] >> 8);
            }
        }

        return native;
    }
}
