using System.Text.Json;
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

    /// <summary>Opaque bytes standing in for training weights: Core never looks inside them.</summary>
    public static byte[] Weights { get; } = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))];

    public static ModelPackage WithWeights(string version) => ModelPackage.Create(
        Create(version).Manifest with
        {
            Weights = new ModelWeightsInfo
            {
                Sha256 = string.Empty,
                Format = "test-format",
                Architecture = JsonSerializer.SerializeToElement(new { layers = 3 }),
            },
        },
        TinyOnnxModels.ChannelContrastClassifier(10f),
        Weights);
}
