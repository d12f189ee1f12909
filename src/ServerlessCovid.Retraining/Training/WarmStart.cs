using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Retraining.Training;

/// <summary>Whether a run may start from the champion's weights. Pure, so every reason can be tested on its own.</summary>
public static class WarmStart
{
    /// <summary>
    /// Null when the champion's weights fit the preset's network; otherwise why the run starts from random weights
    /// (the text after <c>random: </c> in the run record).
    /// </summary>
    public static string? WhyNot(bool warmStart, string? championVersion, ModelWeightsInfo? championWeights, NasNetConfig presetArchitecture)
    {
        ArgumentNullException.ThrowIfNull(presetArchitecture);
        if (!warmStart)
        {
            return "WarmStart off";
        }

        if (championVersion is null)
        {
            return "no champion";
        }

        if (championWeights is null)
        {
            return $"champion has no weights ({championVersion})";
        }

        NasNetConfig? architecture = PackageWeights.ReadArchitecture(championWeights);
        if (architecture is null)
        {
            return $"champion's weights are not {PackageWeights.Format} NASNet weights ({championVersion}: {championWeights.Format})";
        }

        return architecture == presetArchitecture
            ? null
            : $"architecture differs (champion {championVersion} is {architecture.Describe()}, the preset trains {presetArchitecture.Describe()})";
    }
}
