namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>
/// When two images count as near-duplicates: 256-bit dHash distance at most <paramref name="MaxHashDistance"/> (a
/// generous shortlist that keeps SSIM computations few) and SSIM of the 64×64 thumbnails at least
/// <paramref name="MinSsim"/> (the decision).
/// </summary>
public sealed record NearDuplicateBounds(int MaxHashDistance, double MinSsim)
{
    // Calibrated on synthetic 256 px x-rays, seeds 11, 5 and 23: per seed all 28,680 pairs of 240 independent images,
    // and 30 of them copied 10 ways (JPEG q75; 0.8× and 0.5× + JPEG resizes; crops of 3–6% at centre, corners and off
    // centre, scaled back; brightness ±10%), distance and SSIM taken over the best crop alignment:
    //   hash distance: copies 0–17; independent pairs 8–131 (1% ≤ 21, median 44–46), 733–1,008 pairs ≤ 24 per seed.
    //   SSIM:          copies 0.900–0.999 (all but one crop ≥ 0.937); independent pairs ≤ 0.889 (seed 5's pair
    //                  52/132; every other pair ≤ 0.849).
    // The hash bound only has to keep SSIM work small. SSIM decides, and its margin is thin at the edges: a pair of
    // independent films that happen to share anatomy comes within 0.011 of a 5% corner crop.
    public const int DefaultMaxHashDistance = 24;

    public const double DefaultMinSsim = 0.895;

    public static NearDuplicateBounds Default { get; } = new(DefaultMaxHashDistance, DefaultMinSsim);
}
