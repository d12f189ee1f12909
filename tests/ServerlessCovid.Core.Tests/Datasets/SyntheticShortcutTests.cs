using Xunit.Abstractions;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Datasets;

/// <summary>
/// The "no shortcut" property: global statistics (mean intensity, intensity histogram, image size) must not tell the
/// classes apart, otherwise a model could learn them instead of the findings.
/// </summary>
public sealed class SyntheticShortcutTests(ITestOutputHelper output)
{
    private const int Images = 300;
    private const int Folds = 5;
    private static readonly Lazy<(double[][] Features, bool[] Covid)> Dataset = new(BuildFeatures);

    [Fact]
    public void BestSingleThreshold_GlobalFeatures_StaysNearChance()
    {
        // Arrange
        (double[][] features, bool[] covid) = Dataset.Value;

        // Act
        double accuracy = CrossValidate(features, covid, ThresholdClassifier);

        // Assert
        output.WriteLine($"Cross-validated accuracy: {accuracy:0.000}");
        Assert.InRange(accuracy, 0.0, 0.65);
    }

    [Fact]
    public void NearestCentroid_GlobalFeatures_StaysNearChance()
    {
        // Arrange
        (double[][] features, bool[] covid) = Dataset.Value;

        // Act
        double accuracy = CrossValidate(features, covid, NearestCentroidClassifier);

        // Assert
        output.WriteLine($"Cross-validated accuracy: {accuracy:0.000}");
        Assert.InRange(accuracy, 0.0, 0.65);
    }

    [Fact]
    public void BestSingleThreshold_InjectedBrightnessShortcut_Detected()
    {
        // Arrange: the same images, with COVID ones 25 grey levels brighter, as a careless generator would make them.
        (double[][] features, bool[] covid) = Dataset.Value;
        double[][] shifted = features.Select((f, i) => covid[i] ? f.Select((v, j) => j == 0 ? v + 25 : v).ToArray() : f).ToArray();

        // Act
        double accuracy = CrossValidate(shifted, covid, ThresholdClassifier);

        // Assert: the harness itself can see a shortcut, so the two tests above are not vacuous.
        Assert.InRange(accuracy, 0.7, 1.0);
    }

    /// <summary>Features: mean, 16-bin normalised histogram, width, height.</summary>
    private static (double[][] Features, bool[] Covid) BuildFeatures()
    {
        double[][] features = new double[Images][];
        bool[] covid = new bool[Images];
        Parallel.For(0, Images, i =>
        {
            SyntheticXray xray = SyntheticXrayGenerator.Generate(seed: 2024, index: i, size: 128);
            double[] histogram = new double[16];
            double sum = 0;
            foreach (byte value in xray.Pixels)
            {
                histogram[value >> 4]++;
                sum += value;
            }

            features[i] =
            [
                sum / xray.Pixels.Length,
                .. histogram.Select(h => h / xray.Pixels.Length),
                xray.Width,
                xray.Height,
            ];
            covid[i] = xray.Parameters.Label == ClassNames.Covid;
        });
        return (features, covid);
    }

    private static double CrossValidate(
        double[][] x, bool[] y, Func<double[][], bool[], Func<double[], bool>> train)
    {
        int correct = 0;
        for (int fold = 0; fold < Folds; fold++)
        {
            int[] testIdx = Enumerable.Range(0, x.Length).Where(i => i % Folds == fold).ToArray();
            int[] trainIdx = Enumerable.Range(0, x.Length).Where(i => i % Folds != fold).ToArray();
            Func<double[], bool> model = train(trainIdx.Select(i => x[i]).ToArray(), trainIdx.Select(i => y[i]).ToArray());
            correct += testIdx.Count(i => model(x[i]) == y[i]);
        }

        return correct / (double)x.Length;
    }

    /// <summary>The best "feature &lt;/&gt; threshold" rule on the training folds.</summary>
    private static Func<double[], bool> ThresholdClassifier(double[][] x, bool[] y)
    {
        (int Feature, double Threshold, bool Above, int Correct) best = (0, 0, true, -1);
        for (int f = 0; f < x[0].Length; f++)
        {
            int feature = f;
            int[] order = Enumerable.Range(0, x.Length).OrderBy(i => x[i][feature]).ToArray();
            int positivesBelow = 0;
            int total = y.Count(v => v);
            for (int k = 0; k <= order.Length; k++)
            {
                // Split between order[k-1] and order[k]: "above → covid" gets (negatives below + positives above).
                int negativesBelow = k - positivesBelow;
                int above = negativesBelow + (total - positivesBelow);
                int below = x.Length - above;
                double threshold = k == 0 ? double.NegativeInfinity : x[order[k - 1]][feature];
                if (above > best.Correct)
                {
                    best = (feature, threshold, true, above);
                }

                if (below > best.Correct)
                {
                    best = (feature, threshold, false, below);
                }

                if (k < order.Length && y[order[k]])
                {
                    positivesBelow++;
                }
            }
        }

        return features => (features[best.Feature] > best.Threshold) == best.Above;
    }

    /// <summary>Nearest class mean on z-scored features.</summary>
    private static Func<double[], bool> NearestCentroidClassifier(double[][] x, bool[] y)
    {
        int n = x[0].Length;
        double[] mean = Enumerable.Range(0, n).Select(j => x.Average(r => r[j])).ToArray();
        double[] std = Enumerable.Range(0, n).Select(j => Math.Sqrt(x.Average(r => Math.Pow(r[j] - mean[j], 2))) + 1e-9).ToArray();
        double[] Z(double[] r) => r.Select((v, j) => (v - mean[j]) / std[j]).ToArray();
        double[] Centroid(bool label) =>
            Enumerable.Range(0, n).Select(j => x.Where((_, i) => y[i] == label).Average(r => (r[j] - mean[j]) / std[j])).ToArray();
        double[] covid = Centroid(true);
        double[] normal = Centroid(false);
        return features =>
        {
            double[] z = Z(features);
            return Distance(z, covid) < Distance(z, normal);
        };
    }

    private static double Distance(double[] a, double[] b) => a.Zip(b, (p, q) => (p - q) * (p - q)).Sum();
}
