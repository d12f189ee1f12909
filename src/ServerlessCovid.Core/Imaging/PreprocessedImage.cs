using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// What <see cref="XrayPreprocessor"/> wrote into a tensor slot: the source image, whether the single-channel fast
/// path was taken, and how long decoding (checks, hash, identify, decode, EXIF orientation) and preprocessing
/// (resize, scale, channel layout) took.
/// </summary>
public sealed record PreprocessedImage(ImageInfo Image, bool Grayscale, double DecodeMs, double PreprocessMs)
{
    /// <summary>Largest total of live decoder buffers while decoding (the PNG fast path: its row buffer).</summary>
    public long PeakDecodeBytes { get; init; }

    /// <summary>The memory budget the decode ran under (<see cref="DecodeMemory"/>); 0 on the PNG fast path.</summary>
    public long DecodeLimitBytes { get; init; }

    /// <summary>For DICOM uploads, what the file says about its acquisition (no patient attributes); null otherwise.</summary>
    public Dicom.DicomInfo? Dicom { get; init; }
}
