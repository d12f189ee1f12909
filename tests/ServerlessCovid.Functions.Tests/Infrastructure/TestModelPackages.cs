using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;

namespace ServerlessCovid.Functions.Tests.Infrastructure;

/// <summary>Real ONNX packages built from the channel-contrast graph: covid when red is brighter than green.</summary>
internal static class TestModelPackages
{
    /// <summary>A negative <paramref name="scale"/> flips the decision, which makes a hot swap observable.</summary>
    public static ModelPackage Create(string version, float scale = 10f, double threshold = 0.5) =>
        Create(version, threshold, TinyOnnxModels.ChannelContrastClassifier(scale));

    /// <summary>The same decisions, from the graph with a NASNet-style head and its 8×8 <c>cam</c> output.</summary>
    public static ModelPackage CreateWithCam(string version, float scale = 10f, double threshold = 0.5) =>
        Create(version, threshold, TinyOnnxModels.ChannelContrastClassifierWithCam(scale));

    private static ModelPackage Create(string version, double threshold, byte[] onnx) =>
        ModelPackage.Create(
            new ModelManifest
            {
                Version = version,
                CreatedUtc = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
                OnnxSha256 = string.Empty,
                ClassNames = ClassNames.InOutputOrder,
                PreprocessingId = Preprocessing.RgbStretchUnit256,
                OperatingThreshold = threshold,
                Evaluation = new ModelEvaluationSummary { Accuracy = 0.9, PositiveClassAuc = 0.95, Samples = 72 },
            },
            onnx);
}
