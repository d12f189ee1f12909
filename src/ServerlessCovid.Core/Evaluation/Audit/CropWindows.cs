namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>
/// The crops a near-duplicate search tries: a copy cropped by a few percent and scaled back is a zoomed window of the
/// original, which moves the fine texture that tells chest films apart by pixels, so neither hash nor SSIM sees it
/// unless the original is first cut to the same window. Scales 0.99–0.90 of the side in steps of 0.01, anchored on a
/// 5×5 grid from one corner to the other: crops of 1–10% in total, 250 windows.
/// </summary>
internal static class CropWindows
{
    private static readonly double[] Scales = [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90];

    private static readonly double[] Anchors = [0, 0.25, 0.5, 0.75, 1];

    public static IReadOnlyList<(double Scale, double AnchorX, double AnchorY)> All { get; } =
        [.. Scales.SelectMany(s => Anchors.SelectMany(x => Anchors.Select(y => (s, x, y))))];

    /// <summary>Window <paramref name="index"/> of a square grey thumbnail, resampled bilinearly to the thumbnail's size.</summary>
    public static byte[] Cut(ReadOnlySpan<byte> thumbnail, int size, int index)
    {
        (double scale, double anchorX, double anchorY) = All[index];
        double left = anchorX * size * (1 - scale);
        double top = anchorY * size * (1 - scale);
        byte[] window = new byte[size * size];
        for (int y = 0; y < size; y++)
        {
            double sy = top + ((y + 0.5) * scale) - 0.5;
            int y0 = Math.Clamp((int)Math.Floor(sy), 0, size - 1);
            int y1 = Math.Min(y0 + 1, size - 1);
            double fy = Math.Clamp(sy - y0, 0, 1);
            for (int x = 0; x < size; x++)
            {
                double sx = left + ((x + 0.5) * scale) - 0.5;
                int x0 = Math.Clamp((int)Math.Floor(sx), 0, size - 1);
                int x1 = Math.Min(x0 + 1, size - 1);
                double fx = Math.Clamp(sx - x0, 0, 1);
                double upper = (thumbnail[(y0 * size) + x0] * (1 - fx)) + (thumbnail[(y0 * size) + x1] * fx);
                double lower = (thumbnail[(y1 * size) + x0] * (1 - fx)) + (thumbnail[(y1 * size) + x1] * fx);
                window[(y * size) + x] = (byte)Math.Round((upper * (1 - fy)) + (lower * fy));
            }
        }

        return window;
    }
}
