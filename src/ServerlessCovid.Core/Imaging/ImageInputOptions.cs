using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// Settings section <c>Imaging</c>: the limits hostile input meets before any full decode. The defaults admit every
/// real chest x-ray export (the largest detector panels are about 4300×4300) with room to spare.
/// </summary>
public sealed class ImageInputOptions
{
    public const string SectionName = "Imaging";

    /// <summary>Uploads larger than this are refused unread (<see cref="ImageErrorCodes.TooLarge"/>).</summary>
    [Range(1, 1L << 30)]
    public long MaxBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Width × height above which an image is refused after <c>Identify</c> reads its header, so a
    /// decompression bomb (a tiny file declaring a huge canvas) never allocates its pixels.
    /// </summary>
    [Range(1, 400_000_000)]
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>Longest side allowed; also bounds very thin images that pass the pixel cap.</summary>
    [Range(1, 65_535)]
    public int MaxSide { get; set; } = 16_384;

    /// <summary>Shortest side allowed: below this there is nothing a 256×256 model could read.</summary>
    [Range(1, 4096)]
    public int MinSide { get; set; } = 16;

    /// <summary>
    /// Wall-clock budget for decoding one image (pre-scan, header, decode). Past it the decode stops at its next
    /// read or allocation with <see cref="ImageErrorCodes.DecodeBudgetExceeded"/> and its buffers are freed. The
    /// largest legitimate x-ray decodes in well under a second.
    /// </summary>
    [Range(0.001, 3600)]
    public double MaxDecodeSeconds { get; set; } = 10;

    /// <summary>
    /// Most start-of-scan markers a JPEG may have. A progressive file has about 10; every scan is a pass over all
    /// the image's blocks, so thousands of scans in a small file are a CPU bomb (<see cref="ImageErrorCodes.DecodeBudgetExceeded"/>).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxJpegScans { get; set; } = 100;

    /// <summary>
    /// Whether WebP is decoded once its container checks pass. Off by default: ImageSharp decodes a WebP bitstream
    /// cut short (with its RIFF and chunk sizes rewritten to match) without an error, lossless and lossy alike, even
    /// at 10% of its length, so a truncated WebP would be scored as if whole; completeness cannot be verified short of
    /// a second decoder. Refused WebP is <see cref="ImageErrorCodes.UnsupportedFormat"/>; turn this on only for
    /// sources whose WebP files are known to be whole.
    /// </summary>
    public bool AcceptUnverifiedWebp { get; set; }

    /// <summary>
    /// Secret key for the salted hash of a DICOM file's SOP Instance UID (HMAC-SHA256, hex) that results carry for
    /// de-duplication; at least <see cref="Dicom.DicomInfo.MinSaltBytes"/> characters. Unset (the default): results
    /// carry no UID hash. The UID itself is never stored. Keep it secret and stable: a known salt lets anyone holding
    /// a UID confirm it, and a new salt changes every hash.
    /// </summary>
    [MinLength(Dicom.DicomInfo.MinSaltBytes)]
    public string? DicomUidSalt { get; set; }
}
