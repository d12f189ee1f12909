using System.Buffers;
using System.Globalization;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Explainability;

/// <summary>
/// Renders a class activation map over the x-ray the model saw: the preprocessed 256×256 image in grey, the map
/// upsampled bilinearly to it, normalised to its own minimum and maximum and blended in <see cref="Viridis"/>, and a
/// colour bar on the right (bottom = the map's minimum, top = its maximum; both values are in the PNG's text chunks).
/// The colours are relative to this image only: a bright cell is where this image's evidence for the positive class
/// is strongest, not a finding, and with 8×8 cells at 256 px one cell covers 32×32 pixels. Research use only.
/// </summary>
public static class HeatMapOverlay
{
    public const int ImageSize = Preprocessing.Size;

    public const int BarWidth = 16;

    public const int BarMargin = 8;

    /// <summary>Width of the PNG: the image, a gap, the colour bar and a margin.</summary>
    public const int Width = ImageSize + BarMargin + BarWidth + BarMargin;

    public const int Height = ImageSize;

    /// <summary>First column of the colour bar.</summary>
    public const int BarLeft = ImageSize + BarMargin;

    /// <summary>Weight of the colour over the grey image: enough to read the map, little enough to see the anatomy.</summary>
    public const float Opacity = 0.45f;

    private const int ColourLevels = 1024;

    private static readonly float[] BlendedColours = BlendColours();

    /// <summary>Renders the overlay of an image as <see cref="XrayPreprocessor"/> would feed it to the model.</summary>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image.</exception>
    /// <exception cref="ArgumentException">The map is empty, mis-sized or holds a non-finite value.</exception>
    public static byte[] Render(ReadOnlySpan<byte> image, ActivationMap map, XrayPreprocessor preprocessor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preprocessor);
        Validate(map);
        float[] tensor = ArrayPool<float>.Shared.Rent(XrayPreprocessor.TensorLength);
        try
        {
            preprocessor.LoadTensor(image, tensor, cancellationToken);
            return Render(tensor.AsSpan(0, XrayPreprocessor.TensorLength), map);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tensor);
        }
    }

    /// <summary>Renders the overlay of a preprocessed 3×256×256 tensor (values 0..1, channel planes).</summary>
    /// <exception cref="ArgumentException">The tensor has the wrong length, or the map is empty, mis-sized or non-finite.</exception>
    public static byte[] Render(ReadOnlySpan<float> tensor, ActivationMap map)
    {
        Validate(map);
        if (tensor.Length != XrayPreprocessor.TensorLength)
        {
            throw new ArgumentException($"Expected a 3×{ImageSize}×{ImageSize} tensor ({XrayPreprocessor.TensorLength} values), got {tensor.Length}.", nameof(tensor));
        }

        return RenderGrey(GreyPlane(tensor), map);
    }

    /// <summary>The grey image the model saw: the mean of a 3×256×256 tensor's channel planes, 256×256 values in 0..1.</summary>
    public static float[] GreyPlane(ReadOnlySpan<float> tensor)
    {
        const int plane = ImageSize * ImageSize;
        if (tensor.Length < 3 * plane)
        {
            throw new ArgumentException($"Expected a 3×{ImageSize}×{ImageSize} tensor, got {tensor.Length} values.", nameof(tensor));
        }

        float[] grey = new float[plane];
        for (int i = 0; i < plane; i++)
        {
            grey[i] = (tensor[i] + tensor[plane + i] + tensor[(2 * plane) + i]) / 3f;
        }

        return grey;
    }

    /// <summary>Renders the overlay over a <see cref="GreyPlane"/> (what triage keeps from scoring, instead of decoding again).</summary>
    /// <exception cref="ArgumentException">The plane has the wrong length, or the map is empty, mis-sized or non-finite.</exception>
    public static byte[] RenderGrey(float[] grey, ActivationMap map)
    {
        ArgumentNullException.ThrowIfNull(grey);
        Validate(map);
        if (grey.Length != ImageSize * ImageSize)
        {
            throw new ArgumentException($"Expected a {ImageSize}×{ImageSize} grey plane, got {grey.Length} values.", nameof(grey));
        }

        float[] heat = Upsample(Normalise(map.Values), map.Width, map.Height, ImageSize);
        byte[] rgb = new byte[Width * Height * 3];
        for (int y = 0; y < ImageSize; y++)
        {
            int rowStart = y * Width * 3;
            for (int x = 0; x < ImageSize; x++)
            {
                int i = (y * ImageSize) + x;
                int level = (int)((heat[i] * (ColourLevels - 1)) + 0.5f) * 3;
                float greyTerm = (1 - Opacity) * grey[i];
                int o = rowStart + (x * 3);
                rgb[o] = ToByte(greyTerm + BlendedColours[level]);
                rgb[o + 1] = ToByte(greyTerm + BlendedColours[level + 1]);
                rgb[o + 2] = ToByte(greyTerm + BlendedColours[level + 2]);
            }
        }

        DrawColourBar(rgb);
        (float min, float max) = (map.Values.Min(), map.Values.Max());
        return RgbPngWriter.Encode(rgb, Width, Height,
        [
            new("Description",
                "Class activation map of the positive class minus the other class's over the preprocessed x-ray, normalised to this image's own range: "
                + "where the model's evidence lies, not a diagnosis. Research use only."),
            new("CamGrid", string.Create(CultureInfo.InvariantCulture, $"{map.Width}x{map.Height}")),
            new("CamMin", min.ToString("R", CultureInfo.InvariantCulture)),
            new("CamMax", max.ToString("R", CultureInfo.InvariantCulture)),
        ]);
    }

    /// <summary>
    /// The map scaled to [0, 1] by its own minimum and maximum; a flat map (no cell stands out) is all zeros rather
    /// than a division by zero that would paint it one arbitrary colour.
    /// </summary>
    public static float[] Normalise(IReadOnlyList<float> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        float min = values.Min();
        float range = values.Max() - min;
        return [.. values.Select(v => range > 0 ? (v - min) / range : 0f)];
    }

    /// <summary>
    /// Bilinear upsampling of a <paramref name="width"/>×<paramref name="height"/> grid to <paramref name="size"/>²,
    /// with cell centres at pixel centres (PyTorch's <c>align_corners=False</c>), so each cell's value sits over the
    /// 32×32 block of the image it was computed from and the edges are not stretched.
    /// </summary>
    public static float[] Upsample(IReadOnlyList<float> grid, int width, int height, int size)
    {
        ArgumentNullException.ThrowIfNull(grid);
        float[] result = new float[size * size];
        for (int y = 0; y < size; y++)
        {
            (int y0, int y1, float fy) = Source(y, height, size);
            for (int x = 0; x < size; x++)
            {
                (int x0, int x1, float fx) = Source(x, width, size);
                float top = grid[(y0 * width) + x0] + ((grid[(y0 * width) + x1] - grid[(y0 * width) + x0]) * fx);
                float bottom = grid[(y1 * width) + x0] + ((grid[(y1 * width) + x1] - grid[(y1 * width) + x0]) * fx);
                result[(y * size) + x] = top + ((bottom - top) * fy);
            }
        }

        return result;
    }

    private static (int Lower, int Upper, float Fraction) Source(int pixel, int cells, int size)
    {
        float s = Math.Clamp((((pixel + 0.5f) * cells) / size) - 0.5f, 0f, cells - 1);
        int lower = (int)s;
        return (lower, Math.Min(lower + 1, cells - 1), s - lower);
    }

    private static void DrawColourBar(byte[] rgb)
    {
        int top = BarMargin;
        int bottom = Height - BarMargin - 1;
        for (int y = top; y <= bottom; y++)
        {
            (float r, float g, float b) = Viridis.At((float)(bottom - y) / (bottom - top));
            for (int x = BarLeft; x < BarLeft + BarWidth; x++)
            {
                int o = ((y * Width) + x) * 3;
                (rgb[o], rgb[o + 1], rgb[o + 2]) = (ToByte(r), ToByte(g), ToByte(b));
            }
        }
    }

    // The colour term of the blend (opacity × viridis) at ColourLevels steps, so each pixel costs a lookup instead of
    // a search of viridis' anchors; rounding to the nearest step moves a channel by at most 0.15 of a grey level.
    private static float[] BlendColours()
    {
        float[] table = new float[ColourLevels * 3];
        for (int level = 0; level < ColourLevels; level++)
        {
            (float r, float g, float b) = Viridis.At((float)level / (ColourLevels - 1));
            (table[level * 3], table[(level * 3) + 1], table[(level * 3) + 2]) = (Opacity * r, Opacity * g, Opacity * b);
        }

        return table;
    }

    private static byte ToByte(float unit) => (byte)Math.Clamp(MathF.Round(unit * 255f), 0f, 255f);

    private static void Validate(ActivationMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Width < 1 || map.Height < 1 || map.Width > ImageSize || map.Height > ImageSize || map.Values.Length != map.Width * map.Height)
        {
            throw new ArgumentException(
                $"An activation map of {map.Width}×{map.Height} cells with {map.Values.Length} values cannot be drawn: "
                + $"expected 1..{ImageSize} cells a side and width × height values.", nameof(map));
        }

        if (map.Values.Any(v => !float.IsFinite(v)))
        {
            throw new ArgumentException("The activation map holds a NaN or infinite value; the model's cam output is broken.", nameof(map));
        }
    }
}
