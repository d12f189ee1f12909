using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Tests.Imaging;
using ServerlessCovid.Testing.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Inference;

/// <summary>Model packages over the tiny channel-contrast graph, and images it scores predictably.</summary>
internal static class TestModels
{
    /// <summary>P(covid) for a pure red image: softmax(scale·1, scale·0)[0].</summary>
    public static double RedProbability(float scale) => 1 / (1 + Math.Exp(-scale));

    public static ModelPackage Package(string version, float scale = 10f, double threshold = 0.5, Func<ModelManifest, ModelManifest>? edit = null) =>
        Package(version, TinyOnnxModels.ChannelContrastClassifier(scale), threshold, edit);

    /// <summary>A package over the same graph with a <c>cam</c> output (<see cref="TinyOnnxModels.ChannelContrastClassifierWithCam"/>).</summary>
    public static ModelPackage PackageWithCam(string version, float scale = 10f) =>
        Package(version, TinyOnnxModels.ChannelContrastClassifierWithCam(scale), 0.5, null);

    private static ModelPackage Package(string version, byte[] onnx, double threshold, Func<ModelManifest, ModelManifest>? edit)
    {
        ModelManifest manifest = new()
        {
            Version = version,
            CreatedUtc = DateTimeOffset.UnixEpoch,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = threshold,
        };
        return ModelPackage.Create(edit?.Invoke(manifest) ?? manifest, onnx);
    }

    /// <summary>
    /// CPU, one intra-op thread: the tiny graph gains nothing from more, and spinning per-session thread pools
    /// would only fight the parallel callers of the concurrency tests for the cores.
    /// </summary>
    public static OnnxXrayClassifier Classifier(int? maxBatchSize = 32, double? batchWindowMilliseconds = null)
    {
        IOptions<InferenceOptions> options = Options.Create(new InferenceOptions
        {
            ExecutionProvider = ExecutionProviderPreference.Cpu,
            IntraOpThreads = 1,
            MaxBatchSize = maxBatchSize,
            BatchWindowMilliseconds = batchWindowMilliseconds,
        });
        return new OnnxXrayClassifier(
            new OnnxSessionFactory(options, NullLogger<OnnxSessionFactory>.Instance),
            XrayPreprocessor.Default,
            options,
            NullLogger<OnnxXrayClassifier>.Instance);
    }

    public static byte[] SolidPng(byte r, byte g, byte b, int width = 64, int height = 48)
    {
        using Image<Rgb24> image = new(width, height, new Rgb24(r, g, b));
        return TestImages.Encode(image, new PngEncoder());
    }
}
