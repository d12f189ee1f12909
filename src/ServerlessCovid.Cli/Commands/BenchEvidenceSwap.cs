using System.Globalization;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;
using static TorchSharp.torch;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench learn</c>'s check of which pixels the trained model's decision rests on, independent of any heat
/// map: each COVID film of the probe is scored beside its normal twin (the same synthetic anatomy and exposure
/// rendered without findings) and two hybrids, the film with its lesion-mask pixels taken from the twin, and the twin
/// with the film's lesion pixels pasted in. If the lesions carry the evidence, removing them drops P(covid) to the
/// twin's and pasting them in raises the twin to the film's; anything the findings change outside the mask (the
/// automatic exposure's small global shift) stays with the film.
/// </summary>
internal static class BenchEvidenceSwap
{
    private const int BatchSize = 8;

    public static string Describe(TrainingOutcome outcome, string work, int count, int seed, int size, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(work, string.Create(CultureInfo.InvariantCulture, $"evidence-swap-{count}-seed{seed}-{size}px"));
        Dictionary<string, List<LabelledImage>> variants = WriteVariants(directory, count, seed, size);
        Dictionary<string, (double MeanProbability, int CalledCovid)> scores = variants.ToDictionary(
            v => v.Key, v => Score(outcome, v.Value, cancellationToken));
        string Of(string name) => string.Create(CultureInfo.InvariantCulture, $"{scores[name].MeanProbability:0.000} ({scores[name].CalledCovid}/{variants[name].Count} called covid)");
        return string.Create(CultureInfo.InvariantCulture, $"Evidence swap ({variants["film"].Count} COVID films of seed {seed} and their normal twins; mean P(covid)): ")
            + $"film {Of("film")}, film with its lesions replaced by the twin's pixels {Of("lesions-removed")}; "
            + $"twin {Of("twin")}, twin with the film's lesions pasted in {Of("lesions-pasted")}.";
    }

    /// <summary>PNG files of the four variants of every COVID index below <paramref name="count"/> (odd indexes).</summary>
    private static Dictionary<string, List<LabelledImage>> WriteVariants(string directory, int count, int seed, int size)
    {
        Dictionary<string, List<LabelledImage>> variants = new(StringComparer.Ordinal)
        {
            ["film"] = [], ["lesions-removed"] = [], ["twin"] = [], ["lesions-pasted"] = [],
        };
        foreach (string name in variants.Keys)
        {
            Directory.CreateDirectory(Path.Combine(directory, name));
        }

        for (int index = 1; index < count; index += 2)
        {
            SyntheticXray film = SyntheticXrayGenerator.Generate(seed, index, size, ClassNames.Covid, unilateral: true);
            SyntheticXray twin = SyntheticXrayGenerator.Generate(seed, index, size, ClassNames.Normal);
            byte[] lesion = film.LesionMask!;
            byte[] removed = [.. film.Pixels.Select((value, i) => lesion[i] != 0 ? twin.Pixels[i] : value)];
            byte[] pasted = [.. twin.Pixels.Select((value, i) => lesion[i] != 0 ? film.Pixels[i] : value)];
            Write(variants, directory, "film", film, film.Pixels);
            Write(variants, directory, "lesions-removed", film, removed);
            Write(variants, directory, "twin", film, twin.Pixels);
            Write(variants, directory, "lesions-pasted", film, pasted);
        }

        return variants;
    }

    private static void Write(Dictionary<string, List<LabelledImage>> variants, string directory, string name, SyntheticXray film, byte[] pixels)
    {
        string path = Path.Combine(directory, name, film.PatientId + ".png");
        File.WriteAllBytes(path, (film with { Pixels = pixels }).EncodePng());
        variants[name].Add(new LabelledImage(path, ClassNames.Covid));
    }

    private static (double MeanProbability, int CalledCovid) Score(TrainingOutcome outcome, IReadOnlyList<LabelledImage> images, CancellationToken cancellationToken)
    {
        using TrainingData data = TrainingData.Load(images, new XrayPreprocessorImageLoader(), outcome.Request.ImageSize, cancellationToken);
        int positive = ClassNames.IndexOf(ClassNames.Positive);
        double sum = 0;
        int called = 0;
        using var noGrad = no_grad();
        for (long start = 0; start < data.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            Tensor logits = outcome.Model.ClassActivationMaps(data.Images.narrow(0, start, Math.Min(BatchSize, data.Count - start))).mean([2, 3]);
            float[] probabilities = logits.softmax(1)[.., positive].data<float>().ToArray();
            sum += probabilities.Sum();
            called += probabilities.Count(p => p >= 0.5f);
        }

        return (sum / data.Count, called);
    }
}
