using static TorchSharp.torch;

namespace ServerlessCovid.Training.Models;

/// <summary>
/// Keras' weight initialisers, written on top of <c>Tensor.uniform_</c> alone. TorchSharp 0.107's native
/// <c>nn.init.trunc_normal_(t, mean: 0, std, a, b)</c> fills the tensor with one constant (the std): every unit of a
/// layer then starts identical, gets identical gradients and stays identical, so the full NASNet could not learn.
/// Every draw here is covered by a statistics test (<c>KerasInitializersTests</c>, <c>NasNetInitializationTests</c>);
/// seed with <c>torch.manual_seed</c> as for any TorchSharp draw.
/// </summary>
internal static class KerasInitializers
{
    /// <summary>
    /// Keras rescales the truncated normal's σ by this (the std of a unit normal truncated at ±2) so that the truncated
    /// draw keeps the variance the formula asks for.
    /// </summary>
    public const double TruncatedNormalCorrection = 0.87962566103423978;

    /// <summary>Φ(2) − Φ(−2) expressed as the erf argument range of the inverse-CDF draw: erf(2/√2).</summary>
    private static readonly double TruncationErf = Erf(2 / Math.Sqrt(2));

    /// <summary>
    /// Keras <c>he_normal</c>: a normal of σ = √(2 / fan_in) / 0.8796 truncated at ±2σ, so the drawn values have
    /// standard deviation √(2 / fan_in). Weight layout [out, in / groups, kh, kw].
    /// </summary>
    public static void HeNormal(Tensor weight)
    {
        double sigma = HeNormalSigma(weight);
        TruncatedNormal(weight, sigma);
    }

    /// <summary>σ of the untruncated normal he_normal draws from; values stay within ±2σ.</summary>
    public static double HeNormalSigma(Tensor weight) => Math.Sqrt(2.0 / FanIn(weight)) / TruncatedNormalCorrection;

    /// <summary>
    /// Keras <c>glorot_uniform</c>: U(−l, l) with l = √(6 / (fan_in + fan_out)). Keras' depthwise layout (k, k, C, 1)
    /// and PyTorch's (C, 1, k, k) give different fans but the same sum, so the same limit.
    /// </summary>
    public static void GlorotUniform(Tensor weight)
    {
        double limit = GlorotLimit(weight);
        using (no_grad())
        {
            weight.uniform_(-limit, limit);
        }
    }

    public static double GlorotLimit(Tensor weight) => Math.Sqrt(6.0 / (FanIn(weight) + FanOut(weight)));

    /// <summary>
    /// N(0, σ²) truncated at ±2σ by the inverse CDF (as PyTorch's own trunc_normal_ does): u uniform in
    /// (−erf(√2), erf(√2)), x = σ√2·erfinv(u). No rejection loop, every value inside the bounds.
    /// </summary>
    public static void TruncatedNormal(Tensor tensor, double sigma)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        using (no_grad())
        {
            tensor.uniform_(-TruncationErf, TruncationErf);
            tensor.erfinv_();
            tensor.mul_(sigma * Math.Sqrt(2));

            // erfinv in float32 can round a hair past the bound at the very ends of the range.
            tensor.clamp_(-2 * sigma, 2 * sigma);
        }
    }

    /// <summary>Inputs feeding one output unit: in / groups × receptive field.</summary>
    public static long FanIn(Tensor weight) => weight.shape[1] * ReceptiveField(weight);

    public static long FanOut(Tensor weight) => weight.shape[0] * ReceptiveField(weight);

    private static long ReceptiveField(Tensor weight)
    {
        long field = 1;
        for (int d = 2; d < weight.shape.Length; d++)
        {
            field *= weight.shape[d];
        }

        return field;
    }

    /// <summary>erf by Abramowitz–Stegun 7.1.26 is too coarse here; this series converges fast for |x| ≤ 2.</summary>
    private static double Erf(double x)
    {
        // Maclaurin series: erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)).
        double sum = 0, term = x;
        for (int n = 0; n < 60; n++)
        {
            sum += term / ((2 * n) + 1);
            term *= -x * x / (n + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
