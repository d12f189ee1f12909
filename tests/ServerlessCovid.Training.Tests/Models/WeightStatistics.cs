using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Models;

/// <summary>Moments, range and the number of distinct values of a tensor, in double precision.</summary>
internal sealed record WeightStatistics(long Count, double Mean, double Std, double Min, double Max, int Distinct, float[] Values)
{
    public double MaxAbs => Math.Max(Math.Abs(Min), Math.Abs(Max));

    public static WeightStatistics Of(Tensor tensor)
    {
        using Tensor flat = tensor.detach().flatten().to_type(ScalarType.Float32);
        float[] values = flat.data<float>().ToArray();
        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        return new WeightStatistics(
            values.Length, mean, Math.Sqrt(variance), values.Min(), values.Max(), values.Distinct().Count(), values);
    }

    public double FractionBeyond(double bound) => Values.Count(v => Math.Abs(v) > bound) / (double)Count;
}
