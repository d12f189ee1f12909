using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Imaging.Dicom;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

public sealed class JpegLosslessHostileTests
{
    private const int Rows = 6;
    private const int Columns = 5;

    public static TheoryData<string, byte[]> Malformed()
    {
        byte[] valid = Valid();
        return new()
        {
            { "no SOI", valid[2..] },
            { "empty", [] },
            { "missing SOF3", Without(valid, 0xC3) },
            { "missing DHT", Without(valid, 0xC4) },
            { "missing SOS", Without(valid, 0xDA) },
            { "SOF0 (baseline) instead of SOF3", Replace(valid, 0xC3, 0xC0) },
            { "SOF11 (arithmetic)", Replace(valid, 0xC3, 0xCB) },
            { "precision 17", PatchSof(valid, 0, 17) },
            { "precision 1", PatchSof(valid, 0, 1) },
            { "rows differ from DICOM", PatchSof(valid, 2, Rows + 1) },
            { "columns differ from DICOM", PatchSof(valid, 4, Columns - 1) },
            { "three components for one sample", Encode(3) },
            { "lines left to DNL", PatchSof(PatchSof(valid, 1, 0), 2, 0) },
            { "2x2 sampling", PatchSof(valid, 7, 0x22) },
            { "predictor 0", PatchSos(valid, 3, 0) },
            { "predictor 8", PatchSos(valid, 3, 8) },
            { "point transform at precision", PatchSos(valid, 5, 16) },
            { "scan names unknown component", PatchSos(valid, 1, 9) },
            { "scan uses undefined table", PatchSos(valid, 2, 0x30) },
            { "truncated entropy data", Truncate(valid, 6) },
            { "truncated in a segment", valid[..12] },
            { "segment length past end", PatchLength(valid, 0xC4, 0x4000) },
            { "extra entropy data", InsertBeforeEoi(valid, [0x12, 0x34, 0x56]) },
            { "restart marker missing", RemoveMarker(Encode(1, restartRows: 2), 0xD0) },
            { "restart marker out of order", Replace(Encode(1, restartRows: 2), 0xD0, 0xD1) },
            { "restart interval not whole lines", PatchDri(Encode(1, restartRows: 2), Columns + 1) },
            { "second SOF3", InsertBeforeEoi(valid, Segment(valid, 0xC3)) },
            { "RST outside a scan", InsertAfterSoi(valid, [0xFF, 0xD3]) },
            { "Huffman symbol 17", BadSymbol(valid) },
            { "over-full Huffman table", OverfullTable(valid) },
            { "bad Huffman code", BadCode() },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void DecodeFrame_MalformedStream_RejectsAsCorrupt(string description, byte[] jpeg)
    {
        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => JpegLosslessDecoder.DecodeFrame(jpeg, Rows, Columns, 1, 16, CancellationToken.None));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason), description);
    }

    [Fact]
    public void DecodeFrame_PrecisionAboveBitsAllocated_RejectsAsCorrupt()
    {
        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => JpegLosslessDecoder.DecodeFrame(Valid(), Rows, Columns, 1, 8, CancellationToken.None));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("Bits Allocated", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_DeclaredSizeFarBeyondData_RejectsBeforeAllocating()
    {
        // Arrange: a valid header for 30000x30000 followed by a few bytes: every sample needs at least one bit.
        byte[] jpeg = JpegLosslessDecoderTests.HandMade(16, 30000, 30000, [1], [0], 1, [0x00, 0x00]);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => JpegLosslessDecoder.DecodeFrame(jpeg, 30000, 30000, 1, 16, CancellationToken.None));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("too few", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_EveryTruncationAndByteFlip_EitherDecodesOrRejectsAsCorrupt()
    {
        // Arrange: mutate every byte of a restart-interval stream, and cut it at every length.
        byte[] valid = Encode(3, restartRows: 2);
        var mutants = new List<byte[]>();
        for (int i = 0; i < valid.Length; i++)
        {
            mutants.Add(valid[..i]);
            foreach (byte flip in new byte[] { 0x01, 0x80, 0xFF })
            {
                byte[] mutant = (byte[])valid.Clone();
                mutant[i] ^= flip;
                mutants.Add(mutant);
            }
        }

        // Act
        var unexpected = new List<string>();
        int rejected = 0;
        foreach (byte[] mutant in mutants)
        {
            try
            {
                JpegLosslessDecoder.DecodeFrame(mutant, Rows, Columns, 3, 16, CancellationToken.None);
            }
            catch (ImageRejectedException error) when (error.Code == ImageErrorCodes.Corrupt)
            {
                rejected++;
            }
#pragma warning disable CA1031 // the point is to catch whatever else escapes
            catch (Exception error)
#pragma warning restore CA1031
            {
                unexpected.Add($"{error.GetType().Name}: {error.Message}");
            }
        }

        // Assert
        Assert.Empty(unexpected);
        Assert.True(rejected > valid.Length, $"only {rejected} of {mutants.Count} mutants were rejected");
    }

    [Fact]
    public void DecodeFrame_CancelledToken_StopsWithCancellation()
    {
        // Arrange
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        // Act + Assert
        Assert.ThrowsAny<OperationCanceledException>(() => JpegLosslessDecoder.DecodeFrame(Valid(), Rows, Columns, 1, 16, cancelled.Token));
    }

    private static byte[] Valid() => Encode(1);

    private static byte[] Encode(int samples, int restartRows = 0) =>
        JpegLosslessTestEncoder.Encode(CodecTestImages.Random(Rows, Columns, samples, 16, seed: 5), Rows, Columns, samples, new JpegLosslessTestOptions(16, 1, RestartRows: restartRows));

    private static int Find(byte[] jpeg, byte marker)
    {
        for (int i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"marker {marker:X2} not found");
    }

    private static int SegmentEnd(byte[] jpeg, int markerAt) => markerAt + 2 + ((jpeg[markerAt + 2] << 8) | jpeg[markerAt + 3]);

    private static byte[] Segment(byte[] jpeg, byte marker) => jpeg[Find(jpeg, marker)..SegmentEnd(jpeg, Find(jpeg, marker))];

    private static byte[] Without(byte[] jpeg, byte marker)
    {
        int at = Find(jpeg, marker);
        int end = marker == 0xDA ? Find(jpeg, 0xD9) : SegmentEnd(jpeg, at);
        return [.. jpeg[..at], .. jpeg[end..]];
    }

    private static byte[] Replace(byte[] jpeg, byte marker, byte replacement)
    {
        byte[] copy = (byte[])jpeg.Clone();
        copy[Find(jpeg, marker) + 1] = replacement;
        return copy;
    }

    private static byte[] RemoveMarker(byte[] jpeg, byte marker)
    {
        int at = Find(jpeg, marker);
        return [.. jpeg[..at], .. jpeg[(at + 2)..]];
    }

    private static byte[] PatchSof(byte[] jpeg, int offset, int value) => Patch(jpeg, 0xC3, offset, value);

    private static byte[] PatchSos(byte[] jpeg, int offset, int value) => Patch(jpeg, 0xDA, offset, value);

    private static byte[] PatchDri(byte[] jpeg, int interval)
    {
        byte[] copy = Patch(jpeg, 0xDD, 0, interval >> 8);
        return Patch(copy, 0xDD, 1, interval & 0xFF);
    }

    private static byte[] PatchLength(byte[] jpeg, byte marker, int length)
    {
        byte[] copy = (byte[])jpeg.Clone();
        int at = Find(jpeg, marker);
        copy[at + 2] = (byte)(length >> 8);
        copy[at + 3] = (byte)length;
        return copy;
    }

    /// <summary>Sets byte <paramref name="offset"/> of a segment's body (after its length).</summary>
    private static byte[] Patch(byte[] jpeg, byte marker, int offset, int value)
    {
        byte[] copy = (byte[])jpeg.Clone();
        copy[Find(jpeg, marker) + 4 + offset] = (byte)value;
        return copy;
    }

    private static byte[] Truncate(byte[] jpeg, int bytesBeforeEoi)
    {
        int eoi = Find(jpeg, 0xD9);
        return [.. jpeg[..(eoi - bytesBeforeEoi)], 0xFF, 0xD9];
    }

    private static byte[] InsertBeforeEoi(byte[] jpeg, byte[] bytes)
    {
        int eoi = Find(jpeg, 0xD9);
        return [.. jpeg[..eoi], .. bytes, .. jpeg[eoi..]];
    }

    private static byte[] InsertAfterSoi(byte[] jpeg, byte[] bytes) => [.. jpeg[..2], .. bytes, .. jpeg[2..]];

    private static byte[] BadSymbol(byte[] jpeg)
    {
        // The skewed table lists symbols in code order 0, 1, ... 16; make the first one 17.
        byte[] copy = (byte[])jpeg.Clone();
        copy[Find(jpeg, 0xC4) + 4 + 1 + 16] = 17;
        return copy;
    }

    private static byte[] OverfullTable(byte[] jpeg)
    {
        // Two 1-bit codes use the whole code space, so the 3-bit codes that follow cannot exist.
        byte[] copy = (byte[])jpeg.Clone();
        copy[Find(jpeg, 0xC4) + 4 + 1] = 2;
        copy[Find(jpeg, 0xC4) + 4 + 2] = 0;
        return copy;
    }

    private static byte[] BadCode()
    {
        // Only '0' -> SSSS 0 and '10' -> SSSS 1 exist; the data 0xC0 starts with '11', which is no code.
        byte[] bits = [0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00];
        return JpegLosslessDecoderTests.HandMade(16, Rows, Columns, [1, 1], [0, 1], 1, bits);
    }
}
