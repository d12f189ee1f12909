using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Platform;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Onnx;

public sealed class NasNetOnnxExporterTests
{
    public NasNetOnnxExporterTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Fresh BN statistics are 0/1 and would hide a wrong export of them; give every layer its own.</summary>
    internal static NasNet TinyModelWithNonTrivialStatistics(int seed) => ModelWithNonTrivialStatistics(NasNetConfig.Tiny(), seed);

    internal static NasNet ModelWithNonTrivialStatistics(NasNetConfig config, int seed)
    {
        manual_seed(seed);
        NasNet model = NasNet.Create(config);
        using var noGrad = no_grad();
        foreach (BatchNorm2d bn in model.modules().OfType<BatchNorm2d>())
        {
            bn.running_mean!.copy_(randn_like(bn.running_mean) * 0.1);
            bn.running_var!.copy_(rand_like(bn.running_var) + 0.5);
            bn.weight!.copy_(rand_like(bn.weight) + 0.5);
            bn.bias!.copy_(randn_like(bn.bias) * 0.1);
        }

        // Rescale the head so logits differ by about 2: saturated 0/1 probabilities would hide disagreements.
        model.eval();
        Linear head = model.modules().OfType<Linear>().Single();
        using (NewDisposeScope())
        {
            Tensor logits = model.forward(rand(2, 3, 64, 64));
            double spread = (logits[.., 0] - logits[.., 1]).abs().mean().item<float>();
            head.weight!.mul_(2.0 / Math.Max(spread, 1e-6));
        }

        model.train();
        return model;
    }

    [Fact]
    public void Verify_TinyModelExport_AgreesWithTorchSharpWithinTolerance()
    {
        // Arrange
        using NasNet model = TinyModelWithNonTrivialStatistics(3);
        byte[] onnx = NasNetOnnxExporter.Export(model);
        float[] image = Enumerable.Range(0, Preprocessing.ValuesPerImage).Select(i => (i % 977) / 977f).ToArray();

        // Act
        ParitySummary parity = OnnxParityChecker.Verify(model, onnx, [image], randomInputs: 3);

        // Assert
        Assert.True(parity.Passed, $"max difference {parity.MaxAbsoluteDifference}");
        Assert.Equal(4, parity.InputsCompared);
        Assert.True(parity.MaxAbsoluteDifference <= OnnxParityChecker.DefaultTolerance);
    }

    [Fact]
    public void Verify_PaperConfigurationExport_AgreesWithTorchSharpWithinTolerance()
    {
        // Arrange: the full NASNetMobile (built, not trained), with outputs kept away from 0/1.
        using NasNet model = ModelWithNonTrivialStatistics(NasNetConfig.Mobile(), 5);
        byte[] onnx = NasNetOnnxExporter.Export(model);

        // Act
        ParitySummary parity = OnnxParityChecker.Verify(model, onnx, [], randomInputs: 2);

        // Assert
        Assert.True(parity.Passed, $"max difference {parity.MaxAbsoluteDifference}");
        Assert.Equal(2, parity.InputsCompared);
    }

    [Fact]
    public void Export_TinyModel_HasTheServingInterfaceWithDynamicBatch()
    {
        // Arrange
        using NasNet model = TinyModelWithNonTrivialStatistics(4);

        // Act
        byte[] onnx = NasNetOnnxExporter.Export(model);

        // Assert
        using InferenceSession session = new(onnx);
        NodeMetadata input = session.InputMetadata["image"];
        Assert.Equal([-1, 3, 256, 256], input.Dimensions);
        Assert.Equal([-1, 2], session.OutputMetadata["probabilities"].Dimensions);
        float[] batch = new float[3 * Preprocessing.ValuesPerImage];
        for (int i = 0; i < batch.Length; i++)
        {
            batch[i] = (i * 7919 % 1000) / 1000f;
        }

        using OrtValue value = OrtValue.CreateTensorValueFromMemory(batch, [3, 3, 256, 256]);
        using RunOptions options = new();
        using var outputs = session.Run(options, ["image"], [value], ["probabilities"]);
        float[] probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(6, probabilities.Length);
        for (int row = 0; row < 3; row++)
        {
            Assert.Equal(1.0, probabilities[2 * row] + probabilities[(2 * row) + 1], 4);
        }
    }

    [Fact]
    public void Verify_TamperedExport_ThrowsParityFailed()
    {
        // Arrange: export, then shift one logit of the TorchSharp model so the two disagree.
        using NasNet model = TinyModelWithNonTrivialStatistics(6);
        byte[] onnx = NasNetOnnxExporter.Export(model);
        using (no_grad())
        {
            Linear head = model.modules().OfType<Linear>().Single();
            head.weight!.mul_(0.5);
        }

        // Act
        ParityFailedException error = Assert.Throws<ParityFailedException>(() => OnnxParityChecker.Verify(model, onnx, [], randomInputs: 2));

        // Assert
        Assert.False(error.Summary!.Passed);
        Assert.Contains("not published", error.Message, StringComparison.Ordinal);
    }
}
