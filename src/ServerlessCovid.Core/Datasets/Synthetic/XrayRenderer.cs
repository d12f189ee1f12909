namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// Renders a frontal chest radiograph into a float buffer. Densities add up along the beam (tissue, bone, lung air
/// subtracted), then a simulated automatic exposure maps the density image to a target mean and spread that do not
/// depend on the findings, so brightness and contrast carry no information about the label.
/// </summary>
internal static class XrayRenderer
{
    public static float[] Render(SyntheticXrayParameters p, ref DeterministicRandom rng) => Render(p, ref rng, out _);

    /// <summary>Renders the image and returns, in <paramref name="geometry"/>, where the lungs and findings are.</summary>
    public static float[] Render(SyntheticXrayParameters p, ref DeterministicRandom rng, out RenderedGeometry geometry)
    {
        float[] density = RenderDensity(p, ref rng, out geometry);

        // Film response: dense regions (abdomen, heart) saturate, so bones fade behind them as on a real radiograph.
        for (int i = 0; i < density.Length; i++)
        {
            density[i] = 1f - MathF.Exp(-5f * density[i]);
        }

        AutoExpose(density, p);
        AddNoise(density, p, ref rng);
        DrawBorders(density, p);
        DrawMarker(density, p);
        return density;
    }

    /// <summary>
    /// The blurred density before film response and exposure: the last stage at which pixels depend only on what lies
    /// under them (exposure is global), so the stage where the findings' footprint can be checked pixel by pixel.
    /// </summary>
    internal static float[] RenderDensity(SyntheticXrayParameters p, ref DeterministicRandom rng, out RenderedGeometry geometry)
    {
        int w = p.Width;
        int h = p.Height;
        float[] density = new float[w * h];
        float[] lung = new float[w * h];
        float[] lungTissue = new float[w * h];
        Frame frame = new(p);

        ValueNoise tissueNoise = new(ref rng, w, h, 5, 5);
        ValueNoise lungTexture = new(ref rng, w, h, 28, 28);
        ValueNoise patches = new(ref rng, w, h, 18, 18);
        double heelGradient = rng.Uniform(-0.06, 0.06);

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                (double u, double v) = frame.ToBody(x, y);
                double field = Anatomy.LungMask(p, u, v, out double depth);
                double mask = field * (1 - Anatomy.Silhouette(p, u, v));
                double tissue = Anatomy.Body(p, u, v) * (0.9 + (0.2 * tissueNoise.At(x, y)));
                double air = p.LungAir * mask * (0.8 + (0.2 * depth)) * (0.9 + (0.2 * lungTexture.At(x, y)));
                double d = (tissue * (1 - air)) + Anatomy.Mediastinum(p, u, v) + Anatomy.Bones(p, u, v) + Anatomy.Benign(p, u, v)
                    + (Anatomy.Ribs(p, Math.Abs(u), v) * (0.35 + (0.65 * field))); // scatter hides ribs over dense tissue
                d += heelGradient * (y / (double)h);
                lungTissue[(y * w) + x] = (float)(tissue * air);
                int i = (y * w) + x;
                density[i] = (float)d;
                lung[i] = (float)mask;
            }
        }

        float[] vessels = new float[w * h];
        Vessels.Draw(vessels, frame, p, ref rng);
        float[] findings = new float[w * h];
        Findings.Draw(findings, frame, p, patches);
        for (int i = 0; i < density.Length; i++)
        {
            // Vessels show only against aerated lung; opacities give back the density the air had taken away.
            density[i] += (lung[i] * vessels[i]) + (lungTissue[i] * MathF.Min(1f, findings[i]));
        }

        if (p.BlurRadius > 0)
        {
            BoxBlur(density, w, h, p.BlurRadius);
        }

        geometry = new RenderedGeometry(lung, findings, p.BlurRadius);
        return density;
    }

    /// <summary>
    /// Maps density to brightness with a target mean and standard deviation, as a detector's automatic exposure
    /// and the display windowing would. Because the targets are drawn independently of the label, opacities cannot
    /// shift the global brightness.
    /// </summary>
    private static void AutoExpose(float[] image, SyntheticXrayParameters p)
    {
        double sum = 0;
        double sumSquares = 0;
        foreach (float value in image)
        {
            sum += value;
            sumSquares += value * (double)value;
        }

        double mean = sum / image.Length;
        double std = Math.Sqrt(Math.Max(1e-12, (sumSquares / image.Length) - (mean * mean)));
        float scale = (float)(p.Contrast / std);
        float offset = (float)(p.Exposure - (mean * p.Contrast / std));
        float gamma = (float)p.Gamma;
        for (int i = 0; i < image.Length; i++)
        {
            float linear = Math.Clamp((image[i] * scale) + offset, 0f, 1f);
            image[i] = MathF.Pow(linear, gamma);
        }
    }

    private static void AddNoise(float[] image, SyntheticXrayParameters p, ref DeterministicRandom rng)
    {
        ulong state = rng.NextULong() | 1;
        float sigma = (float)p.NoiseSigma;
        for (int i = 0; i < image.Length; i++)
        {
            // Sum of four uniforms: close enough to Gaussian for quantum mottle, and much cheaper.
            float sum = 0;
            for (int k = 0; k < 4; k++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                sum += (state >> 40) * (1f / (1 << 24));
            }

            image[i] = Math.Clamp(image[i] + ((sum - 2f) * 1.7320508f * sigma), 0f, 1f);
        }
    }

    private static void DrawBorders(float[] image, SyntheticXrayParameters p)
    {
        int w = p.Width;
        int h = p.Height;
        int top = (int)(p.BorderTop * h);
        int bottom = (int)(p.BorderBottom * h);
        int side = (int)(p.BorderSide * w);
        if (top + bottom + side == 0)
        {
            return;
        }

        float value = p.BorderBright ? 0.93f : 0.04f;
        for (int y = 0; y < h; y++)
        {
            bool rowInBorder = y < top || y >= h - bottom;
            for (int x = 0; x < w; x++)
            {
                if (rowInBorder || x < side || x >= w - side)
                {
                    // Keep the noise texture so the border is not a flat patch no real detector produces.
                    int i = (y * w) + x;
                    image[i] = value + (0.05f * (image[i] - 0.5f));
                }
            }
        }
    }

    private static void DrawMarker(float[] image, SyntheticXrayParameters p)
    {
        if (p.Marker == '\0')
        {
            return;
        }

        int w = p.Width;
        int cell = Math.Max(2, p.Height / 95);
        int margin = (int)(p.BorderSide * w) + (3 * cell);
        int top = (int)(p.BorderTop * p.Height) + (3 * cell);
        int left = p.MarkerOnLeft ? margin : w - margin - (MarkerGlyphs.Columns * cell);
        for (int row = 0; row < MarkerGlyphs.Rows; row++)
        {
            for (int column = 0; column < MarkerGlyphs.Columns; column++)
            {
                if (!MarkerGlyphs.IsSet(p.Marker, column, row))
                {
                    continue;
                }

                for (int dy = 0; dy < cell; dy++)
                {
                    for (int dx = 0; dx < cell; dx++)
                    {
                        int x = left + (column * cell) + dx;
                        int y = top + (row * cell) + dy;
                        if (x >= 0 && x < w && y >= 0 && y < p.Height)
                        {
                            image[(y * w) + x] = 0.97f;
                        }
                    }
                }
            }
        }
    }

    private static void BoxBlur(float[] image, int w, int h, int radius)
    {
        float[] temp = new float[image.Length];
        float norm = 1f / ((2 * radius) + 1);
        for (int y = 0; y < h; y++)
        {
            int row = y * w;
            for (int x = 0; x < w; x++)
            {
                float sum = 0;
                for (int k = -radius; k <= radius; k++)
                {
                    sum += image[row + Math.Clamp(x + k, 0, w - 1)];
                }

                temp[row + x] = sum * norm;
            }
        }

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                float sum = 0;
                for (int k = -radius; k <= radius; k++)
                {
                    sum += temp[(Math.Clamp(y + k, 0, h - 1) * w) + x];
                }

                image[(y * w) + x] = sum * norm;
            }
        }
    }
}

/// <summary>Pixel ↔ body coordinates: translation to the apex midline, patient rotation, thorax scale.</summary>
internal readonly struct Frame(SyntheticXrayParameters p)
{
    private readonly double _cos = Math.Cos(p.RotationDegrees * Math.PI / 180);
    private readonly double _sin = Math.Sin(p.RotationDegrees * Math.PI / 180);
    private readonly double _scale = p.BodyScale;
    private readonly double _cx = p.CenterX;
    private readonly double _cy = p.ApexY;

    public double Scale => _scale;

    public (double U, double V) ToBody(double x, double y)
    {
        double dx = x - _cx;
        double dy = y - _cy;
        return (((_cos * dx) + (_sin * dy)) / _scale, ((-_sin * dx) + (_cos * dy)) / _scale);
    }

    public (double X, double Y) ToPixel(double u, double v) =>
        (_cx + (_scale * ((_cos * u) - (_sin * v))), _cy + (_scale * ((_sin * u) + (_cos * v))));
}
