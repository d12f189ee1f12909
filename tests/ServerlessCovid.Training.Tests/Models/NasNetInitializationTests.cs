using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Models;

/// <summary>
/// Every parameter group of the full NASNet-A Mobile at initialisation against the Keras formulas: plain convs
/// he_normal, separable convs and the head Glorot-uniform, zero head bias, BN γ = 1, β = 0 and running statistics
/// 0 / 1. Each layer is checked loosely (few values), each group pooled over all its layers tightly.
/// </summary>
public sealed class NasNetInitializationTests(ITestOutputHelper output)
{
    [Fact]
    public void Create_MobileConfiguration_EveryParameterGroupMatchesKerasInitializers()
    {
        // Arrange
        TorchRuntime.EnsureInitialized();
        manual_seed(42);

        // Act
        using NasNet model = NasNet.Create(NasNetConfig.Mobile());

        // Assert
        HashSet<Conv2d> separable = [.. model.modules().OfType<SeparableBlock>().SelectMany(b => b.modules()).OfType<Conv2d>()];
        List<double> heNormalised = [], glorotNormalised = [];
        int heLayers = 0, glorotLayers = 0, batchNorms = 0;
        foreach ((string name, nn.Module module) in model.named_modules())
        {
            switch (module)
            {
                case Conv2d conv when separable.Contains(conv):
                    glorotNormalised.AddRange(CheckGlorot(name, conv.weight!));
                    glorotLayers++;
                    break;
                case Conv2d conv:
                    heNormalised.AddRange(CheckHeNormal(name, conv.weight!));
                    heLayers++;
                    break;
                case Linear head:
                    glorotNormalised.AddRange(CheckGlorot(name, head.weight!));
                    Assert.True(head.bias!.eq(0).all().item<bool>(), "head bias must start at zero");
                    glorotLayers++;
                    break;
                case BatchNorm2d bn:
                    Assert.True(bn.weight!.eq(1).all().item<bool>(), $"{name}: γ must start at 1");
                    Assert.True(bn.bias!.eq(0).all().item<bool>(), $"{name}: β must start at 0");
                    Assert.True(bn.running_mean!.eq(0).all().item<bool>() && bn.running_var!.eq(1).all().item<bool>(), $"{name}: running statistics 0 / 1");
                    batchNorms++;
                    break;
            }
        }

        // Pooled over every layer (1.9 M he_normal and 2.3 M Glorot values), in units of each layer's own scale.
        (double heMean, double heStd) = Moments(heNormalised);
        (double glorotMean, double glorotStd) = Moments(glorotNormalised);
        output.WriteLine($"he_normal: {heLayers} layers, {heNormalised.Count} values, mean {heMean:F5} std {heStd:F5} (expected 0, 1)");
        output.WriteLine($"glorot_uniform: {glorotLayers} layers, {glorotNormalised.Count} values, mean {glorotMean:F5} std {glorotStd:F5} (expected 0, {1 / Math.Sqrt(3):F5})");
        int adjustConvs = model.Cells.Sum(c => c.AdjustKind switch { AdjustKind.FactorizedReduction => 2, AdjustKind.Projection => 1, _ => 0 });
        Assert.Equal(1 + model.Cells.Count + adjustConvs, heLayers);
        // Five separable blocks of two separable convs (depthwise + pointwise each) per cell, plus the head.
        Assert.Equal((model.Cells.Count * 5 * 4) + 1, glorotLayers);
        Assert.True(batchNorms > heLayers);
        Assert.InRange(heStd, 0.99, 1.01);
        Assert.InRange(heMean, -0.01, 0.01);
        Assert.InRange(glorotStd * Math.Sqrt(3), 0.99, 1.01);
        Assert.InRange(glorotMean, -0.01, 0.01);
    }

    /// <summary>Checks one he_normal weight; returns its values divided by the expected std √(2 / fan_in).</summary>
    private static IEnumerable<double> CheckHeNormal(string name, Tensor weight)
    {
        WeightStatistics s = WeightStatistics.Of(weight);
        double expected = Math.Sqrt(2.0 / KerasInitializers.FanIn(weight));
        double tolerance = 5 / Math.Sqrt(s.Count);
        Assert.True(Math.Abs(s.Std / expected - 1) < tolerance, $"{name}: std {s.Std:G4}, he_normal expects {expected:G4} (n = {s.Count})");
        Assert.True(Math.Abs(s.Mean) < 6 * expected / Math.Sqrt(s.Count), $"{name}: mean {s.Mean:G4}");
        Assert.True(s.MaxAbs <= 2 * KerasInitializers.HeNormalSigma(weight) * (1 + 1e-6), $"{name}: {s.MaxAbs:G4} beyond the ±2σ truncation");
        Assert.True(s.Distinct > 0.9 * s.Count, $"{name}: only {s.Distinct} distinct values among {s.Count}");
        return s.Values.Select(v => v / expected);
    }

    /// <summary>Checks one Glorot-uniform weight; returns its values divided by the limit √(6 / (fan_in + fan_out)).</summary>
    private static IEnumerable<double> CheckGlorot(string name, Tensor weight)
    {
        WeightStatistics s = WeightStatistics.Of(weight);
        double limit = KerasInitializers.GlorotLimit(weight);
        double expected = limit / Math.Sqrt(3);
        double tolerance = 5 / Math.Sqrt(s.Count);
        Assert.True(Math.Abs(s.Std / expected - 1) < tolerance, $"{name}: std {s.Std:G4}, glorot_uniform expects {expected:G4} (n = {s.Count})");
        Assert.True(Math.Abs(s.Mean) < 6 * expected / Math.Sqrt(s.Count), $"{name}: mean {s.Mean:G4}");
        Assert.True(s.MaxAbs <= limit, $"{name}: {s.MaxAbs:G4} beyond the limit {limit:G4}");
        Assert.True(s.Distinct > 0.9 * s.Count, $"{name}: only {s.Distinct} distinct values among {s.Count}");
        return s.Values.Select(v => v / limit);
    }

    private static (double Mean, double Std) Moments(List<double> values)
    {
        double mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count));
    }
}
