using System.Text.Json;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Training;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Retraining.Tests.Training;

public sealed class WarmStartTests
{
    private static readonly NasNetConfig Preset = NasNetConfig.Tiny();

    [Fact]
    public void WhyNot_MatchingChampionWeights_IsNull()
    {
        Assert.Null(WarmStart.WhyNot(true, "v1", PackageWeights.Describe(Preset), Preset));
    }

    [Fact]
    public void WhyNot_WarmStartOff_SaysSoEvenWithUsableWeights()
    {
        Assert.Equal("WarmStart off", WarmStart.WhyNot(false, "v1", PackageWeights.Describe(Preset), Preset));
    }

    [Fact]
    public void WhyNot_NoChampion_SaysSo()
    {
        Assert.Equal("no champion", WarmStart.WhyNot(true, null, null, Preset));
    }

    [Fact]
    public void WhyNot_ChampionWithoutWeights_NamesTheChampion()
    {
        Assert.Equal("champion has no weights (v1)", WarmStart.WhyNot(true, "v1", null, Preset));
    }

    [Fact]
    public void WhyNot_OtherArchitecture_NamesBoth()
    {
        string? why = WarmStart.WhyNot(true, "v1", PackageWeights.Describe(NasNetConfig.Mobile()), Preset);

        Assert.Equal($"architecture differs (champion v1 is {NasNetConfig.Mobile().Describe()}, the preset trains {Preset.Describe()})", why);
    }

    [Fact]
    public void WhyNot_WeightsOfAnotherFormat_SaysWhichFormat()
    {
        ModelWeightsInfo foreign = PackageWeights.Describe(Preset) with { Format = "pytorch-pickle" };

        Assert.Equal(
            "champion's weights are not torchsharp-state-dict NASNet weights (v1: pytorch-pickle)",
            WarmStart.WhyNot(true, "v1", foreign, Preset));
    }

    [Fact]
    public void WhyNot_ArchitectureThatIsNotANasNetConfig_CountsAsDifferent()
    {
        ModelWeightsInfo odd = PackageWeights.Describe(Preset) with { Architecture = JsonSerializer.SerializeToElement(new { layers = 50 }) };

        Assert.StartsWith("architecture differs (champion v1 is", WarmStart.WhyNot(true, "v1", odd, Preset), StringComparison.Ordinal);
    }
}
