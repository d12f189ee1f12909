using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;
using static TorchSharp.torch;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench learn</c>'s localisation check: the trained TorchSharp model's class activation maps on the
/// validation split, against the masks the synthetic generator wrote. A true positive here is an argmax hit (the
/// benchmark has no operating threshold); each map's spatial mean is its logit, so one pass gives both. The map
/// measured is the served one (<see cref="ActivationMap.ForPositiveClass"/>), not the positive class's alone.
/// </summary>
internal static class BenchLocalisation
{
    private const int BatchSize = 8;

    /// <summary>On the run's validation split; null when the data folder's manifest names no masks.</summary>
    /// <exception cref="MaskInputException">A named mask cannot be used.</exception>
    public static LocalisationMetrics? Measure(TrainingOutcome outcome, string dataDirectory, CancellationToken cancellationToken) =>
        Measure(outcome, outcome.Split.Validation, dataDirectory, cancellationToken);

    /// <summary>On <paramref name="images"/> of <paramref name="dataDirectory"/>; null when its manifest names no masks.</summary>
    /// <exception cref="MaskInputException">A named mask cannot be used.</exception>
    public static LocalisationMetrics? Measure(
        TrainingOutcome outcome, IReadOnlyList<LabelledImage> images, string dataDirectory, CancellationToken cancellationToken)
    {
        IReadOnlyList<GroundTruthMasks?> masks = GroundTruthMasks.LoadFromManifest(dataDirectory, [.. images.Select(v => v.Path)]);
        if (masks.Count == 0)
        {
            return null;
        }

        using TrainingData data = TrainingData.Load(images, new XrayPreprocessorImageLoader(), outcome.Request.ImageSize, cancellationToken);
        int positive = ClassNames.IndexOf(ClassNames.Positive);
        long[] labels = data.Labels.data<long>().ToArray();
        List<LocalisationSample> samples = new(images.Count);
        using var noGrad = no_grad();
        for (long start = 0; start < data.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            long length = Math.Min(BatchSize, data.Count - start);
            Tensor maps = outcome.Model.ClassActivationMaps(data.Images.narrow(0, start, length));
            long[] predicted = maps.mean([2, 3]).argmax(1).data<long>().ToArray();
            int height = (int)maps.shape[2];
            int width = (int)maps.shape[3];
            int classes = (int)maps.shape[1];
            int perImage = classes * width * height;
            float[] classMaps = maps.contiguous().data<float>().ToArray();
            for (int i = 0; i < length; i++)
            {
                int index = (int)start + i;
                bool truePositive = labels[index] == positive && predicted[i] == positive;
                bool trueNegative = labels[index] != positive && predicted[i] != positive;
                ActivationMap map = ActivationMap.ForPositiveClass(classMaps.AsSpan(i * perImage, perImage), classes, positive, width, height);
                samples.Add(new LocalisationSample(truePositive, map, masks[index], trueNegative));
            }
        }

        return LocalisationCalculator.Compute(samples);
    }
}
