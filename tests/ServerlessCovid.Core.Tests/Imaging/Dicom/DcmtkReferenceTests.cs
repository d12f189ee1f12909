using System.Buffers.Binary;
using ServerlessCovid.Core.Imaging.Dicom;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>
/// Checks the decoders against frames encoded by an independent implementation: DCMTK's dcmcjpeg and dcmcrle (see
/// Reference/make-reference.sh, which also defines the pixel formulas recomputed here).
/// </summary>
public sealed class DcmtkReferenceTests
{
    [Fact]
    public void DecodeFrame_DcmtkJpegLosslessSv1Mono12_MatchesTheSourcePixels()
    {
        // Arrange
        byte[] frame = ReadSingleFrame("mono12-jpeg-lossless-sv1.dcm");
        ushort[] expected = new ushort[47 * 61];
        for (int y = 0; y < 47; y++)
        {
            for (int x = 0; x < 61; x++)
            {
                expected[(y * 61) + x] = (ushort)(y < 4 ? (x % 2 == 1 ? 0 : 4095) : (((x * x * 7) + (y * 131)) ^ (x * y * 3)) & 0xFFF);
            }
        }

        // Act
        byte[] decoded = JpegLosslessDecoder.DecodeFrame(frame, 47, 61, 1, 16, CancellationToken.None);

        // Assert
        Assert.Equal(CodecTestImages.ToNative(expected, 16), decoded);
    }

    [Fact]
    public void DecodeFrame_DcmtkRleRgb16_MatchesTheSourcePixels()
    {
        // Arrange
        byte[] frame = ReadSingleFrame("rgb16-rle.dcm");
        ushort[] expected = new ushort[21 * 33 * 3];
        for (int y = 0; y < 21; y++)
        {
            for (int x = 0; x < 33; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    expected[(((y * 33) + x) * 3) + c] = (ushort)(y < 3 ? (c == 0 ? 65535 : 0) : (((x * 1031) + (y * 577) + (c * 8191)) ^ (x * y)) & 0xFFFF);
                }
            }
        }

        // Act
        byte[] decoded = RleLosslessDecoder.DecodeFrame(frame, 21, 33, 3, 16, CancellationToken.None);

        // Assert
        Assert.Equal(CodecTestImages.ToNative(expected, 16), decoded);
    }

    /// <summary>
    /// A minimal scan, not a DICOM parser: finds the encapsulated Pixel Data element (7FE0,0010) OB with undefined
    /// length, skips the Basic Offset Table item and joins the fragments up to the sequence delimiter (PS3.5 A.4).
    /// </summary>
    private static byte[] ReadSingleFrame(string name)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Imaging", "Dicom", "Reference", name));
        byte[] pixelDataTag = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        int position = file.AsSpan().IndexOf(pixelDataTag) + pixelDataTag.Length;
        Assert.True(position >= pixelDataTag.Length, "no encapsulated pixel data");
        var fragments = new List<byte>();
        bool offsetTable = true;
        while (true)
        {
            uint tag = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position + 4));
            position += 8;
            if (tag == 0xE0DDFFFE)
            {
                return [.. fragments];
            }

            Assert.Equal(0xE000FFFEu, tag);
            if (!offsetTable)
            {
                fragments.AddRange(file.AsSpan(position, length).ToArray());
            }

            offsetTable = false;
            position += length;
        }
    }
}
