using System.Buffers.Binary;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// What a WebP's chunks must say beyond fitting the file (<see cref="ImagePreScan.CheckWebp"/>): the container is
/// still, and each bitstream header agrees with its chunk. Animated WebP (VP8X animation flag, ANIM or ANMF chunks)
/// is refused outright: frames are composed from partial rectangles, and the completeness of a frame cannot be told
/// from its chunk. A lossy VP8 frame must be a key frame whose first partition (modes and probabilities) lies inside
/// the chunk with token data after it; a lossless VP8L stream must start with its signature and version 0; raw
/// (uncompressed) alpha must hold a byte for every pixel of the canvas.
/// </summary>
internal static class WebpChunks
{
    private const int VP8FrameHeaderBytes = 10;

    public static void Check(ReadOnlySpan<byte> fourCc, ReadOnlySpan<byte> data, ref int canvasPixels)
    {
        if (fourCc.SequenceEqual("VP8X"u8))
        {
            if (data.Length < 10)
            {
                throw Corrupt("its VP8X chunk is shorter than 10 bytes");
            }

            if ((data[0] & 0x02) != 0)
            {
                throw Animated();
            }

            int width = (data[4] | (data[5] << 8) | (data[6] << 16)) + 1;
            int height = (data[7] | (data[8] << 8) | (data[9] << 16)) + 1;
            canvasPixels = (int)Math.Min(int.MaxValue, (long)width * height);
        }
        else if (fourCc.SequenceEqual("ANIM"u8) || fourCc.SequenceEqual("ANMF"u8))
        {
            throw Animated();
        }
        else if (fourCc.SequenceEqual("ALPH"u8))
        {
            // Compression method 0 is raw: one byte per canvas pixel after the header byte.
            if (data.Length < 1 || ((data[0] & 0x03) == 0 && canvasPixels > 0 && data.Length - 1 < canvasPixels))
            {
                throw Corrupt($"its raw ALPH chunk holds {Math.Max(0, data.Length - 1):N0} alpha bytes for {canvasPixels:N0} pixels");
            }
        }
        else if (fourCc.SequenceEqual("VP8 "u8))
        {
            CheckVp8(data);
        }
        else if (fourCc.SequenceEqual("VP8L"u8) && (data.Length < 5 || data[0] != 0x2F || (data[4] >> 5) != 0))
        {
            throw Corrupt("its VP8L chunk does not start with a lossless bitstream header");
        }
    }

    /// <summary>After the container checks: refuses every WebP unless <see cref="ImageInputOptions.AcceptUnverifiedWebp"/>.</summary>
    public static void RefuseUnlessAccepted(ImageInputOptions options)
    {
        if (!options.AcceptUnverifiedWebp)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.UnsupportedFormat,
                "WebP is not accepted: a WebP cut short decodes without error, so its completeness cannot be verified. "
                + "Send the image as PNG or JPEG (or set Imaging:AcceptUnverifiedWebp for a source known to send whole files).");
        }
    }

    private static void CheckVp8(ReadOnlySpan<byte> data)
    {
        if (data.Length < VP8FrameHeaderBytes || !data.Slice(3, 3).SequenceEqual((ReadOnlySpan<byte>)[0x9D, 0x01, 0x2A]))
        {
            throw Corrupt("its VP8 chunk does not start with a key frame header");
        }

        uint tag = data[0] | ((uint)data[1] << 8) | ((uint)data[2] << 16);
        if ((tag & 1) != 0)
        {
            throw Corrupt("its VP8 frame is not a key frame");
        }

        long firstPartition = (tag >> 5) & 0x7FFFF;
        if (VP8FrameHeaderBytes + firstPartition >= data.Length)
        {
            throw Corrupt(
                $"its VP8 first partition declares {firstPartition:N0} bytes but only {data.Length - VP8FrameHeaderBytes:N0} follow the "
                + "frame header, with none left for the coefficients");
        }

        int width = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]) & 0x3FFF;
        int height = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]) & 0x3FFF;
        if (width == 0 || height == 0)
        {
            throw Corrupt("its VP8 frame declares no pixels");
        }
    }

    private static ImageRejectedException Corrupt(string detail) =>
        new(ImageErrorCodes.Corrupt, $"The webp is truncated or damaged: {detail}. Upload the complete file.");

    private static ImageRejectedException Animated() =>
        new(ImageErrorCodes.UnsupportedFormat,
            "Animated WebP is not accepted: the completeness of its frames cannot be verified. Send a still PNG, JPEG or WebP.");
}
