using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Imaging.Dicom;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

public sealed class RleLosslessDecoderTests
{
    public static TheoryData<int, int, int, int, int> Shapes() => new()
    {
        // rows, columns, samples, bits allocated, bits stored
        { 1, 1, 1, 8, 8 },
        { 1, 1, 3, 16, 16 },
        { 13, 17, 1, 8, 8 },
        { 13, 17, 3, 8, 8 },
        { 9, 31, 1, 16, 12 },
        { 9, 31, 1, 16, 16 },
        { 7, 301, 3, 16, 16 },
        { 3, 257, 1, 8, 8 }, // rows longer than one 128-byte run
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DecodeFrame_RandomImage_RoundTripsBitForBit(int rows, int columns, int samples, int bitsAllocated, int bitsStored)
    {
        // Arrange
        byte[] native = CodecTestImages.ToNative(CodecTestImages.Random(rows, columns, samples, bitsStored, seed: rows * columns), bitsAllocated);
        byte[] encoded = RleTestEncoder.Encode(native, rows, columns, samples, bitsAllocated);

        // Act
        byte[] decoded = RleLosslessDecoder.DecodeFrame(encoded, rows, columns, samples, bitsAllocated, CancellationToken.None);

        // Assert
        Assert.Equal(native, decoded);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DecodeFrame_SmoothImageWithRuns_RoundTripsBitForBit(int rows, int columns, int samples, int bitsAllocated, int bitsStored)
    {
        // Arrange
        byte[] native = CodecTestImages.ToNative(CodecTestImages.Smooth(rows, columns, samples, bitsStored, seed: 3), bitsAllocated);
        byte[] encoded = RleTestEncoder.Encode(native, rows, columns, samples, bitsAllocated);

        // Act
        byte[] decoded = RleLosslessDecoder.DecodeFrame(encoded, rows, columns, samples, bitsAllocated, CancellationToken.None);

        // Assert
        Assert.Equal(native, decoded);
    }

    [Fact]
    public void DecodeFrame_HandMade8BitSegment_GivesLiteralThenReplicatedBytes()
    {
        // Arrange: PS3.5 G.3.1 by hand. Header 0x02 copies the next 3 bytes; 0x80 (-128) is a no-op; 0xFE (-2)
        // repeats the next byte 1 - (-2) = 3 times. Expected 2x3 image: 10 20 30 / 7 7 7.
        byte[] frame = RleTestEncoder.Assemble([[0x02, 10, 20, 30, 0x80, 0xFE, 7, 0x00]]);

        // Act
        byte[] decoded = RleLosslessDecoder.DecodeFrame(frame, 2, 3, 1, 8, CancellationToken.None);

        // Assert
        Assert.Equal(new byte[] { 10, 20, 30, 7, 7, 7 }, decoded);
    }

    [Fact]
    public void DecodeFrame_HandMade16BitRgb_ReinterleavesMostSignificantPlaneFirst()
    {
        // Arrange: 1x2 RGB, 16 bits: six segments R-high, R-low, G-high, G-low, B-high, B-low (PS3.5 G.2).
        // Pixel 0 = (0x1234, 0xABCD, 0x00FF), pixel 1 = (0x1256, 0xAB00, 0xFFFF).
        byte[] frame = RleTestEncoder.Assemble([
            [0xFF, 0x12],             // R high: replicate 0x12 twice
            [0x01, 0x34, 0x56],       // R low: literal 34 56
            [0xFF, 0xAB],             // G high
            [0x01, 0xCD, 0x00],       // G low
            [0x01, 0x00, 0xFF],       // B high
            [0xFF, 0xFF]]);           // B low

        // Act
        byte[] decoded = RleLosslessDecoder.DecodeFrame(frame, 1, 2, 3, 16, CancellationToken.None);

        // Assert: little-endian, samples interleaved per pixel
        Assert.Equal(new byte[] { 0x34, 0x12, 0xCD, 0xAB, 0xFF, 0x00, 0x56, 0x12, 0x00, 0xAB, 0xFF, 0xFF }, decoded);
    }

    public static TheoryData<string, byte[], int, int> Malformed()
    {
        byte[] good = [0x02, 10, 20, 30, 0xFE, 7, 0x00, 0x00];
        byte[] offsetPastEnd = RleTestEncoder.Assemble([good]);
        offsetPastEnd[4] = 0xFF; // segment 1 offset 255 > frame length
        byte[] secondOffsetPastEnd = RleTestEncoder.Assemble([good, good]);
        secondOffsetPastEnd[8] = 0xF0;
        secondOffsetPastEnd[9] = 0x10;
        byte[] offsetsDecrease = RleTestEncoder.Assemble([good, good]);
        offsetsDecrease[8] = 0x40; // second segment also at 64
        return new()
        {
            { "header shorter than 64 bytes", new byte[40], 1, 8 },
            { "segment count does not match samples x bytes", RleTestEncoder.Assemble([good, good]), 1, 8 },
            { "one segment for a 16-bit image", RleTestEncoder.Assemble([good]), 1, 16 },
            { "first segment offset past the end", offsetPastEnd, 1, 8 },
            { "second segment offset past the end", secondOffsetPastEnd, 1, 16 },
            { "offsets do not increase", offsetsDecrease, 1, 16 },
            { "replicate run overruns the frame", RleTestEncoder.Assemble([[0x02, 10, 20, 30, 0xFB, 7]]), 1, 8 },
            { "literal run overruns the frame", RleTestEncoder.Assemble([[0x06, 1, 2, 3, 4, 5, 6, 7, 0]]), 1, 8 },
            { "segment underruns the frame", RleTestEncoder.Assemble([[0x02, 10, 20, 30]]), 1, 8 },
            { "literal run past the segment end", RleTestEncoder.Assemble([[0x02, 10, 20, 30, 0x05, 1, 2]]), 1, 8 },
            { "replicate run without its byte", RleTestEncoder.Assemble([[0x02, 10, 20, 30, 0xFE]]), 1, 8 },
            { "three samples declared for a one-segment frame", RleTestEncoder.Assemble([good]), 3, 8 },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void DecodeFrame_MalformedFrame_RejectsAsCorrupt(string description, byte[] frame, int samples, int bitsAllocated)
    {
        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => RleLosslessDecoder.DecodeFrame(frame, 2, 3, samples, bitsAllocated, CancellationToken.None));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason), description);
    }

    [Fact]
    public void DecodeFrame_DeclaredSizeFarBeyondData_RejectsBeforeAllocating()
    {
        // Arrange: a 66-byte frame cannot hold 60000 x 30000 pixels even if every pair of bytes were a 128-byte run.
        byte[] frame = RleTestEncoder.Assemble([[0x81, 0]]);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => RleLosslessDecoder.DecodeFrame(frame, 30000, 60000, 1, 8, CancellationToken.None));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("too short", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_CancelledToken_StopsWithCancellation()
    {
        // Arrange
        byte[] native = CodecTestImages.ToNative(CodecTestImages.Smooth(8, 8, 1, 8, seed: 1), 8);
        byte[] encoded = RleTestEncoder.Encode(native, 8, 8, 1, 8);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        // Act + Assert
        Assert.ThrowsAny<OperationCanceledException>(() => RleLosslessDecoder.DecodeFrame(encoded, 8, 8, 1, 8, cancelled.Token));
    }
}
