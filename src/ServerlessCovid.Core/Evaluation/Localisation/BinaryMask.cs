using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Evaluation.Localisation;

/// <summary>A ground-truth mask: <see cref="Inside"/> row-major, true where the PNG's pixel is non-zero.</summary>
public sealed class BinaryMask
{
    /// <summary>Masks larger than this on a side are refused before decoding: no radiograph needs more.</summary>
    public const int MaxSide = 8192;

    public BinaryMask(int width, int height, bool[] inside)
    {
        ArgumentNullException.ThrowIfNull(inside);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (inside.Length != width * height)
        {
            throw new ArgumentException($"A {width}×{height} mask needs {width * height} values, not {inside.Length}.", nameof(inside));
        }

        Width = width;
        Height = height;
        Inside = inside;
        Count = inside.Count(b => b);
    }

    public int Width { get; }

    public int Height { get; }

    public IReadOnlyList<bool> Inside { get; }

    /// <summary>Pixels inside the mask.</summary>
    public int Count { get; }

    public bool this[int x, int y] => Inside[(y * Width) + x];

    /// <summary>Reads a mask PNG (any format ImageSharp decodes, converted to 8-bit grey).</summary>
    /// <exception cref="MaskInputException">The file is missing, unreadable or too large.</exception>
    public static BinaryMask Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new MaskInputException(MaskErrorCodes.Missing, $"Mask '{path}' does not exist; regenerate the set or remove the mask from manifest.csv.");
        }

        try
        {
            // Identify answers null, not an exception, for bytes of no known image format.
            var info = Image.Identify(path)
                ?? throw new MaskInputException(MaskErrorCodes.Unreadable, $"Mask '{path}' is not an image; masks are PNGs, non-zero inside.");
            if (info.Width > MaxSide || info.Height > MaxSide)
            {
                throw new MaskInputException(MaskErrorCodes.Unreadable,
                    $"Mask '{path}' is {info.Width}×{info.Height}; masks larger than {MaxSide} px on a side are refused.");
            }

            using Image<L8> image = Image.Load<L8>(path);
            byte[] pixels = new byte[image.Width * image.Height];
            image.CopyPixelDataTo(pixels);
            return new BinaryMask(image.Width, image.Height, [.. pixels.Select(p => p != 0)]);
        }
        catch (Exception ex) when (ex is ImageFormatException or IOException)
        {
            throw new MaskInputException(MaskErrorCodes.Unreadable, $"Mask '{path}' is not a readable image: {ex.Message}", ex);
        }
    }
}
