using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Evaluation;

/// <summary>Small generated grey images, so audit tests need no binary fixtures.</summary>
internal static class TestImages
{
    /// <summary>A smooth pattern with a bright blob at (<paramref name="blobX"/>, <paramref name="blobY"/>) in [0, 1].</summary>
    public static Image<L8> Pattern(int size, double blobX, double blobY, bool mirrored = false)
    {
        Image<L8> image = new(size, size);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double u = (mirrored ? size - 1 - x : x) / (double)size;
                double v = y / (double)size;
                double blob = Math.Exp(-(((u - blobX) * (u - blobX)) + ((v - blobY) * (v - blobY))) * 20);
                double value = (0.3 * Math.Sin(u * 9) * Math.Cos(v * 7)) + (0.6 * blob) + 0.3;
                image[x, y] = new L8((byte)Math.Clamp(value * 255, 0, 255));
            }
        }

        return image;
    }

    public static byte[] Png(Image image)
    {
        using MemoryStream stream = new();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    public static byte[] Jpeg(Image image, int quality)
    {
        using MemoryStream stream = new();
        image.Save(stream, new JpegEncoder { Quality = quality });
        return stream.ToArray();
    }
}
