// TEMPORARY: lets branch 'dicom' build until branch 'dicom-codecs' lands the real decoders. Delete at merge.
namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>Placeholder until the RLE Lossless decoder lands (branch dicom-codecs); refuses every frame.</summary>
public static class RleLosslessDecoder
{
    public static byte[] DecodeFrame(ReadOnlySpan<byte> frame, int rows, int columns, int samplesPerPixel, int bitsAllocated, CancellationToken cancellationToken) =>
        throw new ImageRejectedException(ImageErrorCodes.UnsupportedTransferSyntax, "RLE Lossless decoding is not built into this branch yet.");
}

/// <summary>Placeholder until the JPEG Lossless decoder lands (branch dicom-codecs); refuses every frame.</summary>
public static class JpegLosslessDecoder
{
    public static byte[] DecodeFrame(ReadOnlySpan<byte> frame, int rows, int columns, int samplesPerPixel, int bitsAllocated, CancellationToken cancellationToken) =>
        throw new ImageRejectedException(ImageErrorCodes.UnsupportedTransferSyntax, "JPEG Lossless decoding is not built into this branch yet.");
}
