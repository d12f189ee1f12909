using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;

namespace ServerlessCovid.Core.Tests.Storage;

internal static class TestModelPackages
{
    public static ModelPackage Create(string version, float scale = 10f, DateTimeOffset? created = null, double threshold = 0.5) =>
        ModelPackage.Create(
            new ModelManifest
            {
                Version = version,
                CreatedUtc = created ?? new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
                OnnxSha256 = string.Empty,
                ClassNames = ClassNames.InOutputOrder,
                PreprocessingId = Preprocessing.RgbStretchUnit256,
                OperatingThreshold = threshold,
            },
            TinyOnnxModels.ChannelContrastClassifier(scale));
}
