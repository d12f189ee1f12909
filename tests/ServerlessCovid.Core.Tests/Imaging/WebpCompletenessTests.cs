using System.Buffers.Binary;
using System.Text;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

/// <summary>
/// WebP whose bitstream ends early although its RIFF and chunk sizes were rewritten to match (what a careless
/// re-muxer or a hostile sender produces), and the variants whose completeness cannot be verified.
/// </summary>
public sealed class WebpCompletenessTests
{
    public static TheoryData<string, string> ConsistentTruncationSweep()
    {
        TheoryData<string, string> data = [];
        foreach (string format in new[] { "lossless", "lossy" })
        {
            foreach (string cut in new[] { "10%", "50%", "90%", "last byte" })
            {
                data.Add(format, cut);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConsistentTruncationSweep))]
    public void LoadTensor_BitstreamCutWithSizesRewritten_RefusedNeverScored(string format, string cut)
    {
        // Arrange: cut the image chunk's payload, then make the chunk and RIFF sizes agree with the cut. ImageSharp
        // decodes every one of these without an error (measured: lossless and lossy, 10% to last byte), which is
        // why WebP is refused unless Imaging:AcceptUnverifiedWebp says otherwise.
        byte[] whole = Encode(format);
        byte[] truncated = CutImageChunk(whole, cut);
        XrayPreprocessor accepting = new(new ImageInputOptions { AcceptUnverifiedWebp = true });
        accepting.LoadTensor(whole, Tensor()); // the whole file is fine when WebP is accepted

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => XrayPreprocessor.Default.LoadTensor(truncated, Tensor()));

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, error.Code);
        Assert.Contains("completeness cannot be verified", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_LossyCutInsideItsFirstPartition_CorruptEvenWhenWebpIsAccepted()
    {
        // Arrange: keep the frame header and half of the first partition (modes and probabilities), sizes rewritten.
        byte[] whole = Encode("lossy");
        (string fourCc, byte[] payload) = Assert.Single(Chunks(whole));
        int firstPartition = (int)(((uint)payload[0] | ((uint)payload[1] << 8) | ((uint)payload[2] << 16)) >> 5);
        byte[] truncated = Riff((fourCc, payload[..(10 + (firstPartition / 2))]));
        XrayPreprocessor accepting = new(new ImageInputOptions { AcceptUnverifiedWebp = true });

        // Act: the container check on its own (ImageSharp's header read may refuse this one first), and the whole path.
        ImageRejectedException scan = Assert.Throws<ImageRejectedException>(() => ImagePreScan.CheckWebp(truncated));
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => accepting.LoadTensor(truncated, Tensor()));

        // Assert
        Assert.Equal((ImageErrorCodes.Corrupt, ImageErrorCodes.Corrupt), (scan.Code, error.Code));
        Assert.Contains("first partition", scan.Message, StringComparison.Ordinal);
    }

    private static byte[] CutImageChunk(byte[] whole, string cut)
    {
        (string fourCc, byte[] payload) = Assert.Single(Chunks(whole));
        int keep = cut switch
        {
            "10%" => payload.Length / 10,
            "50%" => payload.Length / 2,
            "90%" => payload.Length * 9 / 10,
            _ => payload.Length - 1,
        };
        return Riff((fourCc, payload[..keep]));
    }

    [Theory]
    [InlineData("flag")]
    [InlineData("ANIM")]
    public void LoadTensor_AnimatedWebp_UnsupportedFormat(string marker)
    {
        // Arrange: a still lossless frame inside a container that says it is animated.
        (string fourCc, byte[] frame) = Assert.Single(Chunks(Encode("lossless")));
        byte[] file = marker == "flag"
            ? Riff(("VP8X", Vp8x(0x02, 160, 120)), (fourCc, frame))
            : Riff(("VP8X", Vp8x(0x00, 160, 120)), ("ANIM", new byte[6]), (fourCc, frame));

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => XrayPreprocessor.Default.LoadTensor(file, Tensor()));

        // Assert: the flag is refused by our check; ImageSharp's header read refuses a bare ANIM chunk itself.
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, error.Code);
    }

    [Fact]
    public void LoadTensor_RawAlphaShorterThanTheCanvas_Corrupt()
    {
        // Arrange: raw alpha (method 0) for 160×120 pixels, cut to half.
        (string fourCc, byte[] frame) = Assert.Single(Chunks(Encode("lossy")));
        byte[] alpha = new byte[1 + (160 * 120 / 2)];
        byte[] file = Riff(("VP8X", Vp8x(0x10, 160, 120)), ("ALPH", alpha), (fourCc, frame));

        // Act
        XrayPreprocessor accepting = new(new ImageInputOptions { AcceptUnverifiedWebp = true });
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => accepting.LoadTensor(file, Tensor()));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
        Assert.Contains("ALPH", error.Message, StringComparison.Ordinal);
    }

    private static float[] Tensor() => new float[Preprocessing.ValuesPerImage];

    private static byte[] Encode(string format)
    {
        using Image<L8> grey = TestImages.GreyTexture(160, 120);
        using Image<Rgb24> image = grey.CloneAs<Rgb24>();
        return TestImages.Encode(image, new WebpEncoder
        {
            FileFormat = format == "lossy" ? WebpFileFormatType.Lossy : WebpFileFormatType.Lossless,
            Quality = 90,
        });
    }

    private static List<(string FourCc, byte[] Payload)> Chunks(byte[] webp)
    {
        List<(string, byte[])> chunks = [];
        for (int position = 12; position + 8 <= webp.Length;)
        {
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(position + 4));
            chunks.Add((Encoding.ASCII.GetString(webp, position, 4), webp[(position + 8)..(position + 8 + size)]));
            position += 8 + size + (size & 1);
        }

        return chunks;
    }

    private static byte[] Riff(params (string FourCc, byte[] Payload)[] chunks)
    {
        using MemoryStream body = new();
        body.Write("WEBP"u8);
        byte[] size = new byte[4];
        foreach ((string fourCc, byte[] payload) in chunks)
        {
            body.Write(Encoding.ASCII.GetBytes(fourCc));
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)payload.Length);
            body.Write(size);
            body.Write(payload);
            if ((payload.Length & 1) != 0)
            {
                body.WriteByte(0);
            }
        }

        byte[] riff = new byte[8 + body.Length];
        "RIFF"u8.CopyTo(riff);
        BinaryPrimitives.WriteUInt32LittleEndian(riff.AsSpan(4), (uint)body.Length);
        body.ToArray().CopyTo(riff, 8);
        return riff;
    }

    private static byte[] Vp8x(byte flags, int width, int height)
    {
        byte[] data = new byte[10];
        data[0] = flags;
        data[4] = (byte)(width - 1);
        data[5] = (byte)((width - 1) >> 8);
        data[6] = (byte)((width - 1) >> 16);
        data[7] = (byte)(height - 1);
        data[8] = (byte)((height - 1) >> 8);
        data[9] = (byte)((height - 1) >> 16);
        return data;
    }
}
