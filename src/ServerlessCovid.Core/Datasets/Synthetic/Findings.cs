namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// COVID-19 pneumonia as the literature describes it on radiographs: bilateral, peripheral, lower-zone ground-glass
/// opacities (hazy, patchy) and consolidations (denser, more uniform). The buffer holds the fraction of lung air
/// replaced; the renderer multiplies it by the lung mask so findings stay inside the lung fields.
/// </summary>
internal static class Findings
{
    public static void Draw(float[] target, Frame frame, SyntheticXrayParameters p, ValueNoise patches)
    {
        foreach (Opacity opacity in p.Opacities)
        {
            (double cx, double cy) = frame.ToPixel(opacity.Side * opacity.Lateral, opacity.Vertical);
            double rx = opacity.RadiusLateral * frame.Scale;
            double ry = opacity.RadiusVertical * frame.Scale;
            double reach = Math.Max(rx, ry);
            int minX = Math.Max(0, (int)(cx - reach));
            int maxX = Math.Min(p.Width - 1, (int)(cx + reach) + 1);
            int minY = Math.Max(0, (int)(cy - reach));
            int maxY = Math.Min(p.Height - 1, (int)(cy + reach) + 1);
            double cos = Math.Cos(opacity.AngleRadians + (p.RotationDegrees * Math.PI / 180));
            double sin = Math.Sin(opacity.AngleRadians + (p.RotationDegrees * Math.PI / 180));
            double sharpness = opacity.Consolidation ? 0.5 : 1.0;
            for (int y = minY; y <= maxY; y++)
            {
                for (int x = minX; x <= maxX; x++)
                {
                    double dx = x - cx;
                    double dy = y - cy;
                    double ex = ((cos * dx) + (sin * dy)) / rx;
                    double ey = ((-sin * dx) + (cos * dy)) / ry;
                    double r = (ex * ex) + (ey * ey);
                    if (r >= 1)
                    {
                        continue;
                    }

                    double profile = Math.Pow(1 - r, sharpness);
                    double texture = 1 - opacity.Patchiness + (opacity.Patchiness * 2 * patches.At(x, y) * patches.At(y % p.Width, x % p.Height));
                    target[(y * p.Width) + x] += (float)(opacity.Amplitude * profile * Math.Max(0, texture));
                }
            }
        }
    }
}
