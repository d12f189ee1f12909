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
}
