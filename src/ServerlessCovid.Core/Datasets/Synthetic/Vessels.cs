namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// Pulmonary vessel markings: branching, tapering trees from each hilum towards the periphery, drawn by stamping
/// soft discs with max-composition (so overlapping stamps do not pile up).
/// </summary>
internal static class Vessels
{
    public static void Draw(float[] target, Frame frame, SyntheticXrayParameters p, ref DeterministicRandom rng)
    {
        foreach (int side in (ReadOnlySpan<int>)[-1, 1])
        {
            int trunks = rng.Int(8, 12);
            for (int t = 0; t < trunks; t++)
            {
                // Fan out from the hilum: upward, lateral and downward branches.
                double angle = rng.Uniform(-1.25, 1.35);
                double dirU = side * Math.Cos(angle);
                double dirV = Math.Sin(angle);
                Branch(target, frame, p, ref rng, side * (p.MediastinumWidth + 0.12), 0.72, dirU, dirV, rng.Uniform(0.45, 0.75), 0.026, 0);
            }
        }
    }

    private static void Branch(
        float[] target, Frame frame, SyntheticXrayParameters p, ref DeterministicRandom rng,
        double u, double v, double dirU, double dirV, double length, double width, int depth)
    {
        const int steps = 6;
        double segment = length / steps;
        for (int s = 0; s < steps; s++)
        {
            double turn = rng.Uniform(-0.35, 0.35);
            (dirU, dirV) = ((dirU * Math.Cos(turn)) - (dirV * Math.Sin(turn)), (dirU * Math.Sin(turn)) + (dirV * Math.Cos(turn)));
            double nextU = u + (dirU * segment);
            double nextV = v + (dirV * segment);
            double nextWidth = width * 0.85;
            Segment(target, frame, p, u, v, nextU, nextV, width, nextWidth);
            if (depth < 3 && rng.Chance(0.45))
            {
                double split = rng.Chance(0.5) ? 0.6 : -0.6;
                double branchU = (dirU * Math.Cos(split)) - (dirV * Math.Sin(split));
                double branchV = (dirU * Math.Sin(split)) + (dirV * Math.Cos(split));
                Branch(target, frame, p, ref rng, nextU, nextV, branchU, branchV, length * 0.5, nextWidth * 0.8, depth + 1);
            }

            (u, v, width) = (nextU, nextV, nextWidth);
        }
    }

    private static void Segment(
        float[] target, Frame frame, SyntheticXrayParameters p,
        double u0, double v0, double u1, double v1, double w0, double w1)
    {
        (double x0, double y0) = frame.ToPixel(u0, v0);
        (double x1, double y1) = frame.ToPixel(u1, v1);
        double lengthPx = Math.Sqrt(((x1 - x0) * (x1 - x0)) + ((y1 - y0) * (y1 - y0)));
        int stamps = Math.Max(1, (int)lengthPx);
        float amplitude = 0.045f;
        for (int i = 0; i <= stamps; i++)
        {
            double t = i / (double)stamps;
            double radius = Math.Max(0.6, (w0 + ((w1 - w0) * t)) * frame.Scale);
            Stamp(target, p.Width, p.Height, x0 + ((x1 - x0) * t), y0 + ((y1 - y0) * t), radius, amplitude);
        }
    }

    private static void Stamp(float[] target, int w, int h, double cx, double cy, double radius, float amplitude)
    {
        int minX = Math.Max(0, (int)(cx - radius));
        int maxX = Math.Min(w - 1, (int)(cx + radius) + 1);
        int minY = Math.Max(0, (int)(cy - radius));
        int maxY = Math.Min(h - 1, (int)(cy + radius) + 1);
        double inverse = 1 / (radius * radius);
        for (int y = minY; y <= maxY; y++)
        {
            for (int x = minX; x <= maxX; x++)
            {
                double r = (((x - cx) * (x - cx)) + ((y - cy) * (y - cy))) * inverse;
                if (r < 1)
                {
                    float value = amplitude * (float)((1 - r) * (1 - r));
                    int i = (y * w) + x;
                    if (value > target[i])
                    {
                        target[i] = value;
                    }
                }
            }
        }
    }
}
