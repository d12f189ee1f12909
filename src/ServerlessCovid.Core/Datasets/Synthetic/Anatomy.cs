namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// Density of each anatomical structure at body coordinates (u across, negative = patient's right = image left;
/// v down from the apices; both in thorax half-widths). Shapes are implicit so a pixel costs a few dozen flops.
/// </summary>
internal static class Anatomy
{
    private const double ApexCentre = 0.4;
    private const double ApexCurvature = 3.4;
    private const double DomeCentre = 0.45;

    public static double Dome(SyntheticXrayParameters p, int side, double a)
    {
        double top = side < 0 ? p.RightDome : p.RightDome + p.LeftDomeDrop;
        double t = (a - DomeCentre) / 0.42;
        return top + (p.DomeCurvature * t * t);
    }

    /// <summary>Soft lung-field mask in [0, 1]; <paramref name="depth"/> is 0 at the lung edge and 1 well inside.</summary>
    public static double LungMask(SyntheticXrayParameters p, double u, double v, out double depth)
    {
        int side = u < 0 ? -1 : 1;
        double a = Math.Abs(u);
        double medial = p.MediastinumWidth + (0.05 * Math.Max(0, 0.45 - v));
        double apex = ApexCurvature * (a - ApexCentre) * (a - ApexCentre);
        double lateral = p.LungWidth - (0.12 * Math.Max(0, 0.35 - v));
        double margin = Math.Min(Math.Min(a - medial, lateral - a), Math.Min(v - apex, Dome(p, side, a) - v));
        depth = SmoothStep(0, 0.3, margin);
        return SmoothStep(-0.012, 0.03, margin);
    }

    /// <summary>Soft tissue: an elliptic cross-section whose width follows neck, shoulders and trunk.</summary>
    public static double Body(SyntheticXrayParameters p, double u, double v)
    {
        double halfWidth = 0.34 + (0.76 * SmoothStep(-0.55, 0.05, v)) - (0.1 * SmoothStep(0.6, 2.6, v));
        double t = Math.Abs(u) / halfWidth;
        if (t >= 1.02)
        {
            return 0;
        }

        double thickness = Math.Sqrt(Math.Max(0, 1 - (t * t)));
        return p.SoftTissueDensity * (0.3 + (0.7 * thickness)) * SmoothStep(1.02, 0.985, t);
    }

    /// <summary>
    /// The mediastinal silhouette (central column, heart, aortic knob) in [0, 1]: where it is 1 there is no lung
    /// behind the beam, so heart and mediastinum share one soft-tissue brightness, as on a real film.
    /// </summary>
    public static double Silhouette(SyntheticXrayParameters p, double u, double v)
    {
        double a = Math.Abs(u);
        double column = SmoothStep(p.MediastinumWidth + 0.03, p.MediastinumWidth - 0.01, a + (0.25 * u * Math.Max(0, v - 0.3)));
        double heartY = p.RightDome + p.LeftDomeDrop + 0.05 - (0.45 * p.HeartRadiusY);
        double hx = (u - p.HeartCenterX) / p.HeartRadiusX;
        double hy = (v - heartY) / p.HeartRadiusY;

        // The heart tilts: its apex points to the patient's left and down.
        double rx = (hx * 0.95) - (hy * 0.3);
        double ry = (hx * 0.3) + (hy * 0.95);
        double heart = SmoothStep(1.04, 0.96, Math.Sqrt((rx * rx) + (ry * ry)));
        double knobX = (u - p.MediastinumWidth) / 0.1;
        double knobY = (v - 0.36) / 0.09;
        double knob = SmoothStep(1.05, 0.9, Math.Sqrt((knobX * knobX) + (knobY * knobY)));
        return Math.Max(column, Math.Max(heart, knob));
    }

    /// <summary>Hilar vessels and the trachea's air column.</summary>
    public static double Mediastinum(SyntheticXrayParameters p, double u, double v)
    {
        double d = 0;
        double a = Math.Abs(u);
        double hilumX = (a - (p.MediastinumWidth + 0.12)) / 0.09;
        double hilumY = (v - 0.72) / 0.16;
        double hilum = (hilumX * hilumX) + (hilumY * hilumY);
        if (hilum < 4)
        {
            d += 0.05 * Math.Exp(-hilum);
        }

        if (v < 0.6)
        {
            double trachea = 1 - (a / 0.045);
            if (trachea > 0)
            {
                d -= 0.05 * SmoothStep(0, 0.4, trachea) * SmoothStep(0.6, 0.4, v) * SmoothStep(-0.9, -0.6, v);
            }
        }

        return d;
    }

    public static double Bones(SyntheticXrayParameters p, double u, double v)
    {
        double a = Math.Abs(u);
        return Spine(p, u, v) + Clavicle(p, a, v);
    }

    /// <summary>Breast shadows over the lower zones and the gastric air bubble: benign, label-independent variation.</summary>
    public static double Benign(SyntheticXrayParameters p, double u, double v)
    {
        double d = 0;
        if (p.BreastShadows)
        {
            int side = u < 0 ? -1 : 1;
            double centreY = Dome(p, side, 0.6) - 0.3;
            double bx = (Math.Abs(u) - 0.62) / 0.5;
            double by = (v - centreY) / 0.42;
            double r = (bx * bx) + (by * by);
            if (r < 1 && v > centreY - 0.2)
            {
                d += 0.22 * p.SoftTissueDensity * Math.Sqrt(1 - r) * SmoothStep(centreY - 0.2, centreY + 0.1, v);
            }
        }

        if (p.GastricBubble && u > 0)
        {
            double gx = (u - 0.42) / 0.15;
            double gy = (v - (Dome(p, 1, 0.42) + 0.13)) / 0.075;
            double g = 1 - ((gx * gx) + (gy * gy));
            if (g > 0)
            {
                d -= 0.22 * p.LungAir * SmoothStep(0, 0.3, g);
            }
        }

        return d;
    }

    private static double Spine(SyntheticXrayParameters p, double u, double v)
    {
        double a = Math.Abs(u);
        if (a > 0.09 || v < -0.7)
        {
            return 0;
        }

        const double period = 0.16;
        double phase = ((v + 0.7) / period) % 1.0;
        double disc = Math.Exp(-Math.Pow((phase - 0.05) / 0.05, 2)) + Math.Exp(-Math.Pow((phase - 1.05) / 0.05, 2));
        double body = SmoothStep(0.09, 0.075, a) * (1 - (0.6 * disc));
        double pedicleX = (a - 0.055) / 0.018;
        double pedicleY = (phase - 0.35) / 0.13;
        double pedicle = (pedicleX * pedicleX) + (pedicleY * pedicleY);
        double ring = pedicle is > 0.45 and < 1.2 ? 0.5 : 0;
        return p.BoneDensity * ((0.8 * body) + ring);
    }

    public static double Ribs(SyntheticXrayParameters p, double a, double v)
    {
        double d = 0;
        double x = a - 0.07;
        if (x < 0 || x > 1.05)
        {
            return 0;
        }

        double ramp = SmoothStep(0, 0.08, x) * SmoothStep(1.0, 0.88, x);
        for (int k = 0; k < 12; k++)
        {
            double start = -0.12 + (k * p.RibSpacing * (1 + (0.04 * k)));
            double width = p.RibWidth * (1 + (0.05 * k));

            // Posterior rib: rises slightly from the spine, then sweeps down along the lateral chest wall.
            if (v > start - 0.15 && v < start + 0.55)
            {
                double f = start - (0.25 * x) + (0.62 * x * x);
                double slope = -0.25 + (1.24 * x);
                d += RibProfile(Math.Abs(v - f) / Math.Sqrt(1 + (slope * slope)), width) * ramp;
            }

            // Anterior rib, fainter: from the lateral wall obliquely down towards the costal cartilage.
            if (k < 7 && a > 0.3 && a < 0.97)
            {
                double lateralEnd = start + 0.33;
                double f = lateralEnd + (0.48 * (0.97 - a)) + (0.08 * k * (0.97 - a));
                if (Math.Abs(v - f) < width)
                {
                    double slope = 0.48 + (0.08 * k);
                    d += 0.45 * RibProfile(Math.Abs(v - f) / Math.Sqrt(1 + (slope * slope)), 0.8 * width)
                        * SmoothStep(0.3, 0.42, a);
                }
            }
        }

        return p.BoneDensity * d;
    }

    private static double Clavicle(SyntheticXrayParameters p, double a, double v)
    {
        double x = a - 0.06;
        if (x < 0 || x > 0.85 || v > 0.15 || v < -0.45)
        {
            return 0;
        }

        double f = -0.02 - (0.28 * x) + (0.14 * x * x) + (0.03 * Math.Sin(x * 7));
        double slope = -0.28 + (0.28 * x) + (0.21 * Math.Cos(x * 7));
        double width = 0.038 + (0.012 * SmoothStep(0.6, 0.85, x));
        return 1.2 * p.BoneDensity * RibProfile(Math.Abs(v - f) / Math.Sqrt(1 + (slope * slope)), width)
            * SmoothStep(0, 0.04, x) * SmoothStep(0.85, 0.8, x);
    }

    /// <summary>A tube seen side-on: brighter cortical edges, softer marrow.</summary>
    private static double RibProfile(double distance, double width)
    {
        if (distance >= width)
        {
            return 0;
        }

        double t = distance / width;
        return (0.55 + (0.45 * t * t)) * SmoothStep(1, 0.8, t);
    }

    public static double SmoothStep(double edge0, double edge1, double x)
    {
        double t = Math.Clamp((x - edge0) / (edge1 - edge0), 0, 1);
        return t * t * (3 - (2 * t));
    }
}
