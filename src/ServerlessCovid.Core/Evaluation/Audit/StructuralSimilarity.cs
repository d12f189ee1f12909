namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>
/// Mean SSIM (Wang et al., 2004) of two equally sized 8-bit grey images, over every 7×7 window with uniform weights
/// (scikit-image's default window), K1 = 0.01, K2 = 0.03, L = 255.
/// </summary>
public static class StructuralSimilarity
{
    private const int Window = 7;

    private const double C1 = 0.01 * 255 * 0.01 * 255;

    private const double C2 = 0.03 * 255 * 0.03 * 255;

    public static double Mean(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int width)
    {
        if (a.Length != b.Length || width < Window || a.Length % width != 0 || a.Length / width < Window)
        {
            throw new ArgumentException($"SSIM needs two images of the same size, at least {Window}×{Window}.", nameof(b));
        }

        int height = a.Length / width;
        const double n = Window * Window;
        double total = 0;
        for (int top = 0; top + Window <= height; top++)
        {
            for (int left = 0; left + Window <= width; left++)
            {
                double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
                for (int y = top; y < top + Window; y++)
                {
                    int row = y * width;
                    for (int x = left; x < left + Window; x++)
                    {
                        double va = a[row + x];
                        double vb = b[row + x];
                        sa += va;
                        sb += vb;
                        saa += va * va;
                        sbb += vb * vb;
                        sab += va * vb;
                    }
                }

                // Sample (n − 1) variances, as scikit-image uses by default.
                double ma = sa / n, mb = sb / n;
                double va2 = (saa - (n * ma * ma)) / (n - 1);
                double vb2 = (sbb - (n * mb * mb)) / (n - 1);
                double cov = (sab - (n * ma * mb)) / (n - 1);
                total += ((2 * ma * mb) + C1) * ((2 * cov) + C2) / (((ma * ma) + (mb * mb) + C1) * (va2 + vb2 + C2));
            }
        }

        return total / ((width - Window + 1) * (height - Window + 1));
    }
}
