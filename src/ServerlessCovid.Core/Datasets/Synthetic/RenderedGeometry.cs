namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// Where the renderer put the lungs and the opacities, taken from the buffers it rendered with (not re-derived from
/// pixels): <see cref="Lung"/> is the soft lung-field mask that scales the lung air, <see cref="Findings"/> the
/// fraction of that air the opacities give back. Both are pre-blur, so the masks grow by <see cref="BlurRadius"/>.
/// </summary>
internal sealed record RenderedGeometry(float[] Lung, float[] Findings, int BlurRadius)
{
    /// <summary>
    /// Lung field: every pixel the blurred lung air can reach. The renderer's soft mask is used down to its last
    /// non-zero value because lesions are drawn wherever it is non-zero; a stricter cut would leave lesion pixels outside.
    /// </summary>
    public byte[] LungMask(int width, int height) =>
        Dilate(Select(i => Lung[i] > 0), width, height, BlurRadius);

    /// <summary>Lesions: pixels where an opacity replaced lung air, grown by the blur that spreads its density.</summary>
    public byte[] LesionMask(int width, int height) =>
        Dilate(Select(i => Lung[i] > 0 && Findings[i] > 0), width, height, BlurRadius);

    private bool[] Select(Func<int, bool> inside)
    {
        bool[] mask = new bool[Lung.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = inside(i);
        }

        return mask;
    }

    /// <summary>Square dilation of the box blur's support, separable: rows, then columns.</summary>
    private static byte[] Dilate(bool[] mask, int width, int height, int radius)
    {
        bool[] rows = radius == 0 ? mask : DilateLines(mask, width, height, radius, horizontal: true);
        bool[] both = radius == 0 ? mask : DilateLines(rows, width, height, radius, horizontal: false);
        byte[] pixels = new byte[both.Length];
        for (int i = 0; i < both.Length; i++)
        {
            pixels[i] = both[i] ? byte.MaxValue : (byte)0;
        }

        return pixels;
    }

    private static bool[] DilateLines(bool[] mask, int width, int height, int radius, bool horizontal)
    {
        bool[] result = new bool[mask.Length];
        int lines = horizontal ? height : width;
        int length = horizontal ? width : height;
        for (int line = 0; line < lines; line++)
        {
            int Index(int k) => horizontal ? (line * width) + k : (k * width) + line;
            int lastSet = int.MinValue / 2;
            int[] nextSet = new int[length + 1];
            nextSet[length] = int.MaxValue / 2;
            for (int k = length - 1; k >= 0; k--)
            {
                nextSet[k] = mask[Index(k)] ? k : nextSet[k + 1];
            }

            for (int k = 0; k < length; k++)
            {
                if (mask[Index(k)])
                {
                    lastSet = k;
                }

                result[Index(k)] = k - lastSet <= radius || nextSet[k] - k <= radius;
            }
        }

        return result;
    }
}
