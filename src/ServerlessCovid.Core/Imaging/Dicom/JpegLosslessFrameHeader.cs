using System.Buffers.Binary;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>The SOF3 frame header (T.81 B.2.2) checked against what the DICOM pixel module declares.</summary>
internal sealed class JpegLosslessFrameHeader
{
    private readonly byte[] _componentIds;
    private readonly bool[] _decoded;

    private JpegLosslessFrameHeader(int precision, byte[] componentIds)
    {
        Precision = precision;
        _componentIds = componentIds;
        _decoded = new bool[componentIds.Length];
    }

    public int Precision { get; }

    public bool AllDecoded => Array.TrueForAll(_decoded, d => d);

    public static JpegLosslessFrameHeader Parse(ReadOnlySpan<byte> segment, PixelFrameLayout layout)
    {
        if (segment.Length < 6 || segment.Length != 6 + (3 * segment[5]))
        {
            throw JpegLosslessDecoder.Corrupt("The SOF3 frame header has the wrong length for its component count; the stream is corrupt.");
        }

        int precision = segment[0];
        int lines = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
        int samplesPerLine = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
        int components = segment[5];
        if (precision is < 2 or > 16)
        {
            throw JpegLosslessDecoder.Corrupt($"The SOF3 frame header declares precision {precision}; lossless JPEG allows 2 to 16 bits (T.81 B.2.2).");
        }

        if (precision > 8 * layout.BytesPerSample)
        {
            throw JpegLosslessDecoder.Corrupt($"The JPEG precision is {precision} bits but Bits Allocated is {8 * layout.BytesPerSample}; the pixel module does not match the pixel data.");
        }

        if (lines == 0)
        {
            throw JpegLosslessDecoder.Corrupt("The SOF3 frame header leaves the line count to a DNL marker, which DICOM frames do not use; the stream cannot be sized.");
        }

        if (lines != layout.Rows || samplesPerLine != layout.Columns || components != layout.SamplesPerPixel)
        {
            throw JpegLosslessDecoder.Corrupt($"The JPEG frame is {samplesPerLine}x{lines} with {components} components but the DICOM header declares {layout.Columns}x{layout.Rows} with {layout.SamplesPerPixel} samples per pixel; the two do not match.");
        }

        byte[] ids = new byte[components];
        for (int c = 0; c < components; c++)
        {
            ReadOnlySpan<byte> spec = segment.Slice(6 + (3 * c), 3);
            if (Array.IndexOf(ids, spec[0], 0, c) >= 0)
            {
                throw JpegLosslessDecoder.Corrupt($"The SOF3 frame header lists component {spec[0]} twice; the stream is corrupt.");
            }

            // DICOM stores every sample of every pixel, so subsampled components (H or V above 1) cannot be this data.
            if (spec[1] != 0x11)
            {
                throw JpegLosslessDecoder.Corrupt($"JPEG component {spec[0]} has sampling factors {spec[1] >> 4}x{spec[1] & 0xF}; DICOM lossless pixel data must be 1x1.");
            }

            ids[c] = spec[0];
        }

        return new JpegLosslessFrameHeader(precision, ids);
    }

    /// <summary>Claims component <paramref name="id"/> for a scan and returns its position in the pixel; each is decoded once.</summary>
    public int Claim(byte id)
    {
        int index = Array.IndexOf(_componentIds, id);
        if (index < 0)
        {
            throw JpegLosslessDecoder.Corrupt($"A scan (SOS) names component {id}, which the SOF3 frame header does not declare; the stream is corrupt.");
        }

        if (_decoded[index])
        {
            throw JpegLosslessDecoder.Corrupt($"Component {id} is coded by more than one scan; a lossless frame codes each component once.");
        }

        _decoded[index] = true;
        return index;
    }
}
