using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;

namespace ServerlessCovid.Cli.Tests;

/// <summary>Real ONNX packages built in code (red-vs-green channel classifier), with the manifest every package carries.</summary>
internal static class TestPackages
{
    public static ModelPackage Create(string version, double threshold = 0.5, ModelEvaluationSummary? evaluation = null, bool withCam = false) =>
        ModelPackage.Create(
            new ModelManifest
            {
                Version = version,
                CreatedUtc = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero),
                OnnxSha256 = string.Empty,
                ClassNames = ClassNames.InOutputOrder,
                PreprocessingId = Preprocessing.RgbStretchUnit256,
                OperatingThreshold = threshold,
                ThresholdMethod = "test",
                Training = new ModelTrainingSummary { Architecture = "channel-contrast", Preset = "test", Epochs = 1 },
                Evaluation = evaluation ?? new ModelEvaluationSummary { Accuracy = 0.9, PositiveClassAuc = 0.95, Samples = 20 },
            },
            withCam ? TinyOnnxModels.ChannelContrastClassifierWithCam() : TinyOnnxModels.ChannelContrastClassifier());
}
