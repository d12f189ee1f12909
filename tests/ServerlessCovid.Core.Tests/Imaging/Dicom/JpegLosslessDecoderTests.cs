using ServerlessCovid.Core.Imaging.Dicom;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

public sealed class JpegLosslessDecoderTests
{
    public static TheoryData<int, int, int> PredictorsAndPrecisions()
    {
        TheoryData<int, int, int> data = [];
        for (int predictor = 1; predictor <= 7; predictor++)
        {
            foreach (int precision in new[] { 8, 12, 16 })
            {
                data.Add(predictor, precision, 1);
                data.Add(predictor, precision, 3);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PredictorsAndPrecisions))]
    public void DecodeFrame_RandomImageEachPredictor_RoundTripsBitForBit(int predictor, int precision, int samples)
    {
        // Arrange: random samples make large differences, so every category up to SSSS 16 (at 16 bits) occurs.
        int bitsAllocated = precision > 8 ? 16 : 8;
        ushort[] image = CodecTestImages.Random(11, 19, samples, precision, seed: (predictor * 100) + precision);
        byte[] jpeg = JpegLosslessTestEncoder.Encode(image, 11, 19, samples, new JpegLosslessTestOptions(precision, predictor));

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(jpeg, 11, 19, samples, bitsAllocated, CancellationToken.None);

        // Assert
        Assert.Equal(CodecTestImages.ToNative(image, bitsAllocated), decoded);
    }

    public static TheoryData<int, int, int, bool, JpegTestTable, int, int, int> Options() => new()
    {
        // precision, predictor, restart rows, interleaved, table, rows, columns, samples
        { 16, 1, 1, true, JpegTestTable.Skewed, 9, 33, 1 },
        { 16, 6, 4, true, JpegTestTable.Flat, 9, 33, 1 },
        { 12, 7, 2, false, JpegTestTable.Skewed, 10, 15, 3 },
        { 8, 4, 3, true, JpegTestTable.Skewed, 20, 5, 3 },
        { 16, 1, 1, true, JpegTestTable.Skewed, 20, 3, 1 }, // more than 8 intervals: RST0-7 wrap
        { 12, 5, 0, false, JpegTestTable.Optimal, 17, 23, 3 },
        { 16, 1, 0, true, JpegTestTable.Optimal, 31, 29, 1 },
        { 2, 1, 0, true, JpegTestTable.Skewed, 5, 7, 1 },
        { 2, 7, 0, true, JpegTestTable.Flat, 5, 7, 3 },
        { 16, 1, 0, true, JpegTestTable.Skewed, 1, 1, 1 },
        { 8, 3, 0, true, JpegTestTable.Skewed, 1, 1, 3 },
        { 16, 2, 0, true, JpegTestTable.Skewed, 1, 45, 1 },
        { 16, 3, 0, true, JpegTestTable.Skewed, 45, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void DecodeFrame_RestartsScansAndTables_RoundTripsBitForBit(int precision, int predictor, int restartRows, bool interleaved, JpegTestTable table, int rows, int columns, int samples)
    {
        // Arrange
        var options = new JpegLosslessTestOptions(precision, predictor, RestartRows: restartRows, Interleaved: interleaved, Table: table);
        int bitsAllocated = options.Precision > 8 ? 16 : 8;
        ushort[] image = CodecTestImages.Smooth(rows, columns, samples, options.Precision, seed: rows + columns);
        byte[] jpeg = JpegLosslessTestEncoder.Encode(image, rows, columns, samples, options);

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(jpeg, rows, columns, samples, bitsAllocated, CancellationToken.None);

        // Assert
        Assert.Equal(CodecTestImages.ToNative(image, bitsAllocated), decoded);
    }

    [Theory]
    [InlineData(16, 1, 2)]
    [InlineData(16, 6, 4)]
    [InlineData(12, 7, 3)]
    [InlineData(8, 1, 7)]
    public void DecodeFrame_PointTransform_RestoresHighBitsAndZeroesLowBits(int precision, int predictor, int pointTransform)
    {
        // Arrange: H.1.2 codes samples shifted right by Pt; the decoder shifts back, so the low Pt bits read as zero.
        int bitsAllocated = precision > 8 ? 16 : 8;
        ushort[] image = CodecTestImages.Random(9, 13, 1, precision, seed: pointTransform);
        byte[] jpeg = JpegLosslessTestEncoder.Encode(image, 9, 13, 1, new JpegLosslessTestOptions(precision, predictor, pointTransform));
        ushort[] expected = [.. image.Select(v => (ushort)((v >> pointTransform) << pointTransform))];

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(jpeg, 9, 13, 1, bitsAllocated, CancellationToken.None);

        // Assert
        Assert.Equal(CodecTestImages.ToNative(expected, bitsAllocated), decoded);
    }

    [Fact]
    public void DecodeFrame_ExtremesOnly_UsesSsss16AndWrapsModulo65536()
    {
        // Arrange: 0 / 32768 / 65535 side by side give the differences 32768 (SSSS 16, no extra bits) and wraps.
        ushort[] image = [0, 32768, 0, 65535, 0, 65535, 32768, 65535, 0, 0, 65535, 32768];
        byte[] jpeg = JpegLosslessTestEncoder.Encode(image, 2, 6, 1, new JpegLosslessTestOptions(16, 1));

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(jpeg, 2, 6, 1, 16, CancellationToken.None);

        // Assert
        Assert.Equal(CodecTestImages.ToNative(image, 16), decoded);
    }

    [Fact]
    public void DecodeFrame_HandMade8BitStream_DecodesThePixelsWorkedOutByHand()
    {
        // Arrange: 2x2, P=8, predictor 1, one DHT with codes '0'->SSSS 0, '10'->SSSS 1, '110'->SSSS 2 (T.81 C).
        // Pixels [128 129 / 127 127]: first sample predicted 2^7 = 128, diff 0 -> '0'; next Ra=128, diff +1 ->
        // '10'+'1'; row 2 starts from Rb=128, diff -1 -> '10'+'0'; last Ra=127, diff 0 -> '0'.
        // Bits 0 101 100 0 = 0x58, exactly one byte.
        byte[] jpeg = HandMade(precision: 8, rows: 2, columns: 2, counts: [1, 1, 1], symbols: [0, 1, 2], predictor: 1, entropy: [0x58]);

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(jpeg, 2, 2, 1, 8, CancellationToken.None);

        // Assert
        Assert.Equal(new byte[] { 128, 129, 127, 127 }, decoded);
    }

    [Fact]
    public void DecodeFrame_HandMade16BitStreamWithSsss16_DecodesThePixelsWorkedOutByHand()
    {
        // Arrange: 1x2, P=16, codes '0'->SSSS 16, '10'->SSSS 1. First sample: 2^15 + 32768 = 65536 = 0 (mod 2^16),
        // no extra bits -> '0'. Second: Ra=0, diff -1 -> '10' + '0' -> 65535. Bits 0100 padded with 1s = 0x4F.
        byte[] jpeg = HandMade(precision: 16, rows: 1, columns: 2, counts: [1, 1], symbols: [16, 1], predictor: 1, entropy: [0x4F]);

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(jpeg, 1, 2, 1, 16, CancellationToken.None);

        // Assert
        Assert.Equal(new byte[] { 0x00, 0x00, 0xFF, 0xFF }, decoded);
    }

    [Fact]
    public void DecodeFrame_HandMadePredictor4_DecodesThePixelsWorkedOutByHand()
    {
        // Arrange: 2x2, P=8, predictor 4 (Ra + Rb - Rc), codes '0'->SSSS 0, '10'->SSSS 8, '110'->SSSS 1.
        // Pixels [128 128 / 0 0]: (0,0) 128 - 2^7 = 0 -> '0'; (0,1) first line uses Ra=128, diff 0 -> '0';
        // (1,0) line start uses Rb=128, diff -128 -> '10' + 8 bits of (-128 + 255 = 127) '01111111';
        // (1,1) Ra + Rb - Rc = 0 + 128 - 128 = 0, diff 0 -> '0'. Bits 0010011111110, padded with 1s: 0x27 0xF7.
        byte[] jpeg = HandMade(precision: 8, rows: 2, columns: 2, counts: [1, 1, 1], symbols: [0, 8, 1], predictor: 4, entropy: [0x27, 0xF7]);

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(jpeg, 2, 2, 1, 8, CancellationToken.None);

        // Assert
        Assert.Equal(new byte[] { 128, 128, 0, 0 }, decoded);
    }

    /// <summary>Builds SOI, DHT (table 0), SOF3, SOS, the given entropy bytes and EOI, one component.</summary>
    internal static byte[] HandMade(int precision, int rows, int columns, byte[] counts, byte[] symbols, int predictor, byte[] entropy, int pointTransform = 0)
    {
        byte[] bits = new byte[16];
        counts.CopyTo(bits, 0);
        var output = new List<byte> { 0xFF, 0xD8 };
        JpegLosslessTestEncoder.WriteSegment(output, 0xC4, [0x00, .. bits, .. symbols]);
        JpegLosslessTestEncoder.WriteSegment(output, 0xC3, [(byte)precision, (byte)(rows >> 8), (byte)rows, (byte)(columns >> 8), (byte)columns, 1, 1, 0x11, 0]);
        JpegLosslessTestEncoder.WriteSegment(output, 0xDA, [1, 1, 0x00, (byte)predictor, 0, (byte)pointTransform]);
        output.AddRange(entropy);
        output.AddRange([0xFF, 0xD9]);
        return [.. output];
    }
}
