using System.Numerics;
using System.Security.Cryptography;
using ServerlessCovid.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>Content SHA-256 (exact copies) and a 64-bit dHash (re-encoded, resized or slightly edited copies).</summary>
public sealed record ImageFingerprint(string ContentSha256, ulong PerceptualHash)
{
    /// <summary>
    /// dHash: the image as a 9×8 grey thumbnail, one bit per horizontally adjacent pair (left brighter than right).
    /// Robust to scaling, re-compression and brightness changes, which is how the same x-ray reappears in public sets.
    /// </summary>
    /// <exception cref="ImageRejectedException">The bytes are not a decodable image.</exception>
    public static ImageFingerprint Compute(ReadOnlySpan<byte> imageBytes)
    {
        if (imageBytes.IsEmpty)
        {
            throw new ImageRejectedException(ImageErrorCodes.Empty, "The image is empty: nothing to fingerprint.");
        }

        string sha = Convert.ToHexStringLower(SHA256.HashData(imageBytes));
        Image<L8> image;
        try
        {
            image = Image.Load<L8>(imageBytes);
        }
        catch (UnknownImageFormatException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, $"Not a supported image format: {ex.Message}", ex);
        }
        catch (InvalidImageContentException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"The image is corrupt: {ex.Message}", ex);
        }

        using (image)
        {
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(9, 8), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Box }));
            ulong hash = 0;
            int bit = 0;
            for (int y = 0; y < 8; y++)
            {
                for (int x = 0; x < 8; x++)
                {
                    if (image[x, y].PackedValue > image[x + 1, y].PackedValue)
                    {
                        hash |= 1UL << bit;
                    }

                    bit++;
                }
            }

            return new ImageFingerprint(sha, hash);
        }
    }

    public static int HammingDistance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);
}
