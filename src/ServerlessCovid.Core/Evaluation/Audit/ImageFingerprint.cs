using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ServerlessCovid.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>
/// Content SHA-256 (exact copies), a 256-bit dHash (shortlists re-encoded, resized or slightly edited copies), the
/// dHashes of the <see cref="CropWindows"/> of the image (shortlist cropped copies) and a 64×64 grey thumbnail (confirms
/// a shortlisted pair by SSIM). <see cref="Thumbnail"/> is row-major, one byte a pixel.
/// </summary>
public sealed record ImageFingerprint(
    string ContentSha256, PerceptualHash Hash, ReadOnlyMemory<byte> Thumbnail, IReadOnlyList<PerceptualHash> CropHashes)
{
    public const long MaxPixels = 100_000_000;

    public const int ThumbnailSize = 64;

    /// <summary>
    /// Both the hash and the thumbnail come from one area-averaged 64×64 grey copy, so each image is decoded and shrunk
    /// once however many pairs it is compared in. Robust to scaling, re-compression and brightness changes, which is
    /// how the same x-ray reappears in public sets.
    /// </summary>
    /// <exception cref="ImageRejectedException">The bytes are not a decodable image.</exception>
    public static ImageFingerprint Compute(ReadOnlySpan<byte> imageBytes)
    {
        if (imageBytes.IsEmpty)
        {
            throw new ImageRejectedException(ImageErrorCodes.Empty, "The image is empty: nothing to fingerprint.");
        }

        string sha = Convert.ToHexStringLower(SHA256.HashData(imageBytes));
        Image<L8> image = LoadGrey(imageBytes.ToArray());
        using (image)
        {
            image.Mutate(x => x.Resize(Shrink(ThumbnailSize, ThumbnailSize)));
            byte[] thumbnail = new byte[ThumbnailSize * ThumbnailSize];
            image.CopyPixelDataTo(MemoryMarshal.Cast<byte, L8>(thumbnail.AsSpan()));
            PerceptualHash[] crops = new PerceptualHash[CropWindows.All.Count];
            for (int i = 0; i < crops.Length; i++)
            {
                crops[i] = HashOf(CropWindows.Cut(thumbnail, ThumbnailSize, i));
            }

            return new ImageFingerprint(sha, HashOf(thumbnail), thumbnail, crops);
        }
    }

    /// <summary>The whole image as 8-bit grey; DICOM through its display pipeline, everything else through ImageSharp.</summary>
    private static Image<L8> LoadGrey(byte[] bytes)
    {
        if (DicomDisplay.IsDicom(bytes))
        {
            // The DICOM reader applies the preprocessor's own pixel caps and reports its own codes.
            return DicomDisplay.LoadGrey(bytes);
        }

        try
        {
            // Identify first: a small file can declare a huge canvas, and datasets come from the internet.
            // ImageSharp 2's Identify takes arrays only.
            IImageInfo? info = Image.Identify(bytes)
                ?? throw new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, "Not a supported image format.");
            if ((long)info.Width * info.Height > MaxPixels)
            {
                throw new ImageRejectedException(ImageErrorCodes.DimensionsOutOfRange,
                    $"The image is {info.Width}×{info.Height}; the audit fingerprints images up to {MaxPixels:N0} pixels.");
            }

            return Image.Load<L8>(bytes);
        }
        catch (UnknownImageFormatException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, $"Not a supported image format: {ex.Message}", ex);
        }
        catch (InvalidImageContentException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"The image is corrupt: {ex.Message}", ex);
        }
    }

    private static PerceptualHash HashOf(byte[] thumbnail)
    {
        using Image<L8> image = Image.LoadPixelData<L8>(thumbnail, ThumbnailSize, ThumbnailSize);
        image.Mutate(x => x.Resize(Shrink(17, 16)));
        Span<ulong> words = stackalloc ulong[4];
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                if (image[x, y].PackedValue > image[x + 1, y].PackedValue)
                {
                    int bit = (y * 16) + x;
                    words[bit / 64] |= 1UL << (bit % 64);
                }
            }
        }

        return new PerceptualHash(words[0], words[1], words[2], words[3]);
    }

    private static ResizeOptions Shrink(int width, int height) =>
        new() { Size = new Size(width, height), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Box };
}
