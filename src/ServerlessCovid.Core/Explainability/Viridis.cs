namespace ServerlessCovid.Core.Explainability;

/// <summary>
/// The viridis colour map (van der Walt and Smith, 2015): perceptually uniform, readable in greyscale and by the
/// common colour-vision deficiencies, so equal steps of evidence look like equal steps of colour, which a rainbow
/// ("jet") map does not give. Anchors are every 16th entry (and the last) of matplotlib's 256-entry table
/// (<c>lib/matplotlib/_cm_listed.py</c>, <c>_viridis_data</c>, CC0), linearly interpolated between.
/// </summary>
public static class Viridis
{
    // Index into the 256-entry table, then R, G, B in 0..1.
    private static readonly (int Index, float R, float G, float B)[] Anchors =
    [
        (0, 0.267004f, 0.004874f, 0.329415f),
        (16, 0.282327f, 0.094955f, 0.417331f),
        (32, 0.278826f, 0.175490f, 0.483397f),
        (48, 0.258965f, 0.251537f, 0.524736f),
        (64, 0.229739f, 0.322361f, 0.545706f),
        (80, 0.199430f, 0.387607f, 0.554642f),
        (96, 0.172719f, 0.448791f, 0.557885f),
        (112, 0.149039f, 0.508051f, 0.557250f),
        (128, 0.127568f, 0.566949f, 0.550556f),
        (144, 0.120638f, 0.625828f, 0.533488f),
        (160, 0.157851f, 0.683765f, 0.501686f),
        (176, 0.246070f, 0.738910f, 0.452024f),
        (192, 0.369214f, 0.788888f, 0.382914f),
        (208, 0.515992f, 0.831158f, 0.294279f),
        (224, 0.678489f, 0.863742f, 0.189503f),
        (240, 0.845561f, 0.887322f, 0.099702f),
        (255, 0.993248f, 0.906157f, 0.143936f),
    ];

    /// <summary>The colour of <paramref name="t"/> in [0, 1] (clamped; NaN is 0) as R, G, B in 0..1.</summary>
    public static (float R, float G, float B) At(float t)
    {
        float position = (float.IsNaN(t) ? 0f : Math.Clamp(t, 0f, 1f)) * 255f;
        int upper = 1;
        while (upper < Anchors.Length - 1 && Anchors[upper].Index < position)
        {
            upper++;
        }

        (int i0, float r0, float g0, float b0) = Anchors[upper - 1];
        (int i1, float r1, float g1, float b1) = Anchors[upper];
        float f = Math.Clamp((position - i0) / (i1 - i0), 0f, 1f);
        return (r0 + ((r1 - r0) * f), g0 + ((g1 - g0) * f), b0 + ((b1 - b0) * f));
    }
}
