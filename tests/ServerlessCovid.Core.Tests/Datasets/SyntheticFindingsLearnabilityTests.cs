using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit.Abstractions;

namespace ServerlessCovid.Core.Tests.Datasets;

/// <summary>
/// Counterpart of <see cref="SyntheticShortcutTests"/>: where global statistics stay at chance, the pixels (the
/// findings) still separate the classes, even for a linear model on a 16×16 thumbnail stretched as preprocessing does.
/// </summary>
public sealed class SyntheticFindingsLearnabilityTests(ITestOutputHelper output)
{
    private const int Images = 800;
    private const int Side = 16;
    private const int Folds = 5;

    [Fact]
    public void LogisticRegression_StretchedThumbnailPixels_LearnsFindingsAboveChance()
    {
        // Arrange
        double[][] x = new double[Images][];
        bool[] covid = new bool[Images];
        Parallel.For(0, Images, i =>
        {
            SyntheticXray xray = SyntheticXrayGenerator.Generate(seed: 4242, index: i, size: 64);
            using Image<L8> image = Image.LoadPixelData<L8>(xray.Pixels, xray.Width, xray.Height);
            image.Mutate(m => m.Resize(Side, Side));
            double[] features = new double[Side * Side];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < Side; y++)
                {
                    Span<L8> row = rows.GetRowSpan(y);
                    for (int c = 0; c < Side; c++)
                    {
                        features[(y * Side) + c] = row[c].PackedValue / 255.0;
                    }
                }
            });
            x[i] = features;
            covid[i] = xray.Parameters.Label == ClassNames.Covid;
        });

        // Standardise each pixel over all images (unsupervised, so no label leaks into the folds).
        for (int j = 0; j < Side * Side; j++)
        {
            double mean = x.Average(r => r[j]);
            double std = Math.Sqrt(x.Average(r => (r[j] - mean) * (r[j] - mean))) + 1e-6;
            foreach (double[] r in x)
            {
                r[j] = (r[j] - mean) / std;
            }
        }

        // Act
        int correct = 0;
        for (int fold = 0; fold < Folds; fold++)
        {
            int[] train = Enumerable.Range(0, Images).Where(i => i % Folds != fold).ToArray();
            double[] weights = Fit(train.Select(i => x[i]).ToArray(), train.Select(i => covid[i]).ToArray());
            correct += Enumerable.Range(0, Images).Where(i => i % Folds == fold).Count(i => Predict(weights, x[i]) == covid[i]);
        }

        double accuracy = correct / (double)Images;

        // Assert
        output.WriteLine($"Cross-validated accuracy: {accuracy:0.000}");
        Assert.InRange(accuracy, 0.6, 1.0);
    }

    /// <summary>L2-regularised logistic regression by full-batch gradient descent on standardised features.</summary>
    private static double[] Fit(double[][] x, bool[] y)
    {
        int n = x[0].Length;
        double[] w = new double[n + 1];
        for (int iteration = 0; iteration < 500; iteration++)
        {
            double[] gradient = new double[n + 1];
            for (int i = 0; i < x.Length; i++)
            {
                double error = Sigmoid(Score(w, x[i])) - (y[i] ? 1 : 0);
                for (int j = 0; j < n; j++)
                {
                    gradient[j] += error * x[i][j];
                }

                gradient[n] += error;
            }

            for (int j = 0; j <= n; j++)
            {
                double l2 = j < n ? 1e-2 * w[j] : 0;
                w[j] -= 0.1 * ((gradient[j] / x.Length) + l2);
            }
        }

        return w;
    }

    private static bool Predict(double[] w, double[] features) => Score(w, features) > 0;

    private static double Score(double[] w, double[] features)
    {
        double s = w[^1];
        for (int j = 0; j < features.Length; j++)
        {
            s += w[j] * features[j];
        }

        return s;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}
