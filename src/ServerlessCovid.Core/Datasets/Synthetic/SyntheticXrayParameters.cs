using System.Globalization;
using System.Text;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// Everything that varies between synthetic radiographs. Anatomy, acquisition, benign variation, borders and
/// markers are drawn from the same distributions for both classes; only <see cref="Opacities"/> depends on the label.
/// Distances are in units of the thorax half-width ("body units"), measured from the midline at the lung apices.
/// </summary>
public sealed record SyntheticXrayParameters
{
    public required string Label { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Thorax half-width in pixels (patient size relative to the detector).</summary>
    public required double BodyScale { get; init; }

    public required double CenterX { get; init; }

    /// <summary>Image row of the lung apices.</summary>
    public required double ApexY { get; init; }

    public required double RotationDegrees { get; init; }

    public required double LungWidth { get; init; }

    public required double MediastinumWidth { get; init; }

    /// <summary>Height of the right (image-left) diaphragm dome; the left one sits a little lower.</summary>
    public required double RightDome { get; init; }

    public required double LeftDomeDrop { get; init; }

    public required double DomeCurvature { get; init; }

    public required double HeartCenterX { get; init; }

    public required double HeartRadiusX { get; init; }

    public required double HeartRadiusY { get; init; }

    public required double RibSpacing { get; init; }

    public required double RibWidth { get; init; }

    public required double SoftTissueDensity { get; init; }

    public required double LungAir { get; init; }

    public required double BoneDensity { get; init; }

    public required bool BreastShadows { get; init; }

    public required bool GastricBubble { get; init; }

    /// <summary>Target mean brightness after the simulated automatic exposure (0–1).</summary>
    public required double Exposure { get; init; }

    /// <summary>Target standard deviation of brightness after automatic exposure.</summary>
    public required double Contrast { get; init; }

    public required double Gamma { get; init; }

    public required double NoiseSigma { get; init; }

    public required int BlurRadius { get; init; }

    public required double BorderTop { get; init; }

    public required double BorderBottom { get; init; }

    public required double BorderSide { get; init; }

    public required bool BorderBright { get; init; }

    /// <summary>'L', 'R' or '\0' for no side marker.</summary>
    public required char Marker { get; init; }

    public required bool MarkerOnLeft { get; init; }

    /// <summary>Overall severity of the findings (0 for normal images): 0.1 is barely visible, 1 is florid.</summary>
    public required double Severity { get; init; }

    public required IReadOnlyList<Opacity> Opacities { get; init; }

    /// <summary>A compact key=value list for manifests.</summary>
    public string ToManifestString()
    {
        StringBuilder text = new();
        Append(text, "size", $"{Width}x{Height}");
        Append(text, "scale", BodyScale);
        Append(text, "rot", RotationDegrees);
        Append(text, "exposure", Exposure);
        Append(text, "contrast", Contrast);
        Append(text, "gamma", Gamma);
        Append(text, "noise", NoiseSigma);
        Append(text, "blur", BlurRadius);
        Append(text, "breast", BreastShadows ? 1 : 0);
        Append(text, "border", BorderTop + BorderBottom + BorderSide > 0 ? 1 : 0);
        Append(text, "marker", Marker == '\0' ? "none" : Marker.ToString());
        Append(text, "severity", Severity);
        Append(text, "opacities", Opacities.Count);
        Append(text, "consolidations", Opacities.Count(o => o.Consolidation));
        Append(text, "bilateral", Opacities.Any(o => o.Side < 0) && Opacities.Any(o => o.Side > 0) ? 1 : 0);
        return text.ToString();
    }

    internal static SyntheticXrayParameters Sample(ref DeterministicRandom rng, string label, int size, bool unilateral = false)
    {
        if (!ClassNames.IsKnown(label))
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, "Expected 'covid' or 'normal'.");
        }

        int width = (int)Math.Round(size * rng.Uniform(0.82, 1.12));
        int height = (int)Math.Round(size * rng.Uniform(0.9, 1.1));
        int shortSide = Math.Min(width, height);
        double bodyScale = shortSide * rng.Uniform(0.37, 0.45);
        double rightDome = rng.Uniform(1.45, 1.7);
        double leftDrop = rng.Uniform(0.02, 0.12);
        double domeCurvature = rng.Uniform(0.12, 0.26);
        double lungWidth = rng.Uniform(0.8, 0.9);
        double borderChance = rng.NextDouble();
        bool border = borderChance < 0.35;
        char marker = rng.NextDouble() switch
        {
            < 0.3 => 'L',
            < 0.6 => 'R',
            _ => '\0',
        };

        SyntheticXrayParameters parameters = new()
        {
            Label = label,
            Width = width,
            Height = height,
            BodyScale = bodyScale,
            CenterX = (width / 2.0) + (rng.Normal() * 0.03 * width),
            ApexY = height * rng.Uniform(0.06, 0.14),
            RotationDegrees = Math.Clamp(rng.Normal() * 2.5, -7, 7),
            LungWidth = lungWidth,
            MediastinumWidth = rng.Uniform(0.1, 0.14),
            RightDome = rightDome,
            LeftDomeDrop = leftDrop,
            DomeCurvature = domeCurvature,
            HeartCenterX = rng.Uniform(0.1, 0.17),
            HeartRadiusX = rng.Uniform(0.36, 0.46),
            HeartRadiusY = rng.Uniform(0.32, 0.4),
            RibSpacing = rng.Uniform(0.14, 0.17),
            RibWidth = rng.Uniform(0.035, 0.05),
            SoftTissueDensity = rng.Uniform(0.32, 0.42),
            LungAir = rng.Uniform(0.62, 0.78),
            BoneDensity = rng.Uniform(0.05, 0.085),
            BreastShadows = rng.Chance(0.4),
            GastricBubble = rng.Chance(0.6),
            Exposure = rng.Uniform(0.4, 0.55),
            Contrast = rng.Uniform(0.22, 0.3),
            Gamma = rng.Uniform(0.85, 1.2),
            NoiseSigma = rng.Uniform(0.004, 0.03),
            BlurRadius = rng.Int(0, 3) * size / 512,
            BorderTop = border ? rng.Uniform(0, 0.06) : 0,
            BorderBottom = border ? rng.Uniform(0, 0.06) : 0,
            BorderSide = border ? rng.Uniform(0.01, 0.07) : 0,
            BorderBright = rng.Chance(0.5),
            Marker = marker,
            MarkerOnLeft = rng.Chance(0.5),
            Severity = 0,
            Opacities = [],
        };

        // The findings use their own stream, drawn for both classes, so that anatomy and acquisition of image i are
        // identical whatever its label, and no class-dependent number of draws can shift the other parameters.
        DeterministicRandom findings = new(rng.NextULong());
        (double severity, IReadOnlyList<Opacity> opacities) = Opacity.SampleFindings(ref findings, parameters, unilateral);
        return label == ClassNames.Covid ? parameters with { Severity = severity, Opacities = opacities } : parameters;
    }

    private static void Append(StringBuilder text, string key, object value)
    {
        if (text.Length > 0)
        {
            text.Append(';');
        }

        text.Append(key).Append('=').Append(value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// One ground-glass opacity or consolidation: a smooth low-frequency blob inside a lung field. Side −1 is the
/// patient's right lung (image left), +1 the left lung. Position in body units; amplitude is the fraction of the
/// lung's air it replaces at its centre (1 = white-out).
/// </summary>
public sealed record Opacity(
    int Side, double Lateral, double Vertical, double RadiusLateral, double RadiusVertical, double AngleRadians,
    double Amplitude, double Patchiness, bool Consolidation)
{
    /// <summary>
    /// Severity and opacities; with <paramref name="unilateral"/> every opacity lies in one lung (a localisation probe),
    /// from the same draws as without it, so image i keeps its anatomy, severity and the side its findings start on.
    /// </summary>
    internal static (double Severity, IReadOnlyList<Opacity> Opacities) SampleFindings(
        ref DeterministicRandom rng, SyntheticXrayParameters anatomy, bool unilateral = false)
    {
        // Uniform from barely visible to florid: subtle cases are common, as in the literature.
        double severity = 0.25 + (0.75 * rng.NextDouble());
        int count = 3 + (int)Math.Round(severity * rng.Uniform(2, 5));
        bool bilateral = rng.Chance(0.85) && !unilateral;
        int firstSide = rng.Chance(0.5) ? -1 : 1;
        List<Opacity> opacities = new(count);
        for (int i = 0; i < count; i++)
        {
            int side = bilateral ? (i % 2 == 0 ? firstSide : -firstSide) : firstSide;
            double dome = anatomy.RightDome + (side > 0 ? anatomy.LeftDomeDrop : 0);

            // Peripheral (outer third) and lower zone dominate; a few in the mid zone.
            double lateral = anatomy.LungWidth - rng.Uniform(0.03, 0.3);
            double vertical = rng.Chance(0.8) ? dome - rng.Uniform(0.05, 0.5) : dome - rng.Uniform(0.5, 0.85);
            bool consolidation = rng.Chance(0.15 + (0.45 * severity));
            double amplitude = consolidation
                ? rng.Uniform(0.6, 0.9) * (0.7 + (0.3 * severity))
                : rng.Uniform(0.4, 0.65) * (0.6 + (0.6 * severity));
            double size = 0.9 + (0.7 * severity);
            opacities.Add(new Opacity(
                side,
                lateral,
                vertical,
                rng.Uniform(0.1, 0.22) * size,
                rng.Uniform(0.12, 0.3) * size,
                rng.Uniform(-0.6, 0.6),
                amplitude,
                consolidation ? rng.Uniform(0.1, 0.3) : rng.Uniform(0.3, 0.6),
                consolidation));
        }

        return (severity, opacities);
    }
}
