using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Platform;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Onnx;

/// <summary>The class activation maps: TorchSharp's definition, and the exported <c>cam</c> output that must match it.</summary>
public sealed class CamExportTests
{
    /// <summary>Small enough to keep the tiny network quick, large enough to leave a 2×2 final map (64 / 32).</summary>
    private const int InputSize = 64;

    public CamExportTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ClassActivationMaps_TinyModel_SpatialMeanEqualsLogit()
    {
        // Arrange
        using NasNet model = NasNetOnnxExporterTests.TinyModelWithNonTrivialStatistics(11);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor input = rand(3, 3, InputSize, InputSize);

        // Act
        Tensor maps = model.ClassActivationMaps(input);
        Tensor logits = model.forward(input);

        // Assert
        Assert.Equal([3L, 2, InputSize / 32, InputSize / 32], maps.shape);
        Tensor means = maps.mean([2, 3]);
        double scale = Math.Max(1, logits.abs().max().item<float>());
        Assert.True(
            (means - logits).abs().max().item<float>() <= 1e-5 * scale,
            $"means {string.Join(", ", means.data<float>().ToArray())} vs logits {string.Join(", ", logits.data<float>().ToArray())}");
        Assert.True(maps.std().item<float>() > 0, "the maps must vary over positions and classes, or the check above is vacuous");
    }

    [Fact]
    public void Verify_TinyModelExport_CamAgreesWithTorchSharpWithin1e4()
    {
        // Arrange
        using NasNet model = NasNetOnnxExporterTests.TinyModelWithNonTrivialStatistics(12);
        byte[] onnx = NasNetOnnxExporter.Export(model, InputSize);

        // Act
        ParitySummary parity = OnnxParityChecker.Verify(model, onnx, [], randomInputs: 3, inputSize: InputSize);

        // Assert
        Assert.True(parity.Passed, $"cam max difference {parity.CamMaxAbsoluteDifference}");
        Assert.NotNull(parity.CamMaxAbsoluteDifference);
        Assert.True(parity.CamMaxAbsoluteDifference <= 1e-4, $"cam max difference {parity.CamMaxAbsoluteDifference}");
        Assert.True(parity.CamTolerance >= OnnxParityChecker.DefaultTolerance);
    }

    [Fact]
    public void Export_TinyModelAt256_HasEightByEightCamBesideProbabilities()
    {
        // Arrange
        using NasNet model = NasNetOnnxExporterTests.TinyModelWithNonTrivialStatistics(13);

        // Act
        byte[] onnx = NasNetOnnxExporter.Export(model);

        // Assert
        using InferenceSession session = new(onnx);
        Assert.Equal(["probabilities", "cam"], session.OutputMetadata.Keys);
        Assert.Equal([-1, 2], session.OutputMetadata["probabilities"].Dimensions);
        Assert.Equal([-1, 2, 8, 8], session.OutputMetadata["cam"].Dimensions);
    }

    [Fact]
    public void Verify_CamTampered_ThrowsParityFailedNamingTheMaps()
    {
        // Arrange: shift one class's map by +1 on the left column and −1 on the right. Its spatial mean, hence the
        // logit and the probabilities, is unchanged, so only the cam comparison can catch it.
        using NasNet model = NasNetOnnxExporterTests.TinyModelWithNonTrivialStatistics(14);
        byte[] onnx = TamperCam(NasNetOnnxExporter.Export(model, InputSize));

        // Act
        ParityFailedException error = Assert.Throws<ParityFailedException>(
            () => OnnxParityChecker.Verify(model, onnx, [], randomInputs: 2, inputSize: InputSize));

        // Assert
        Assert.True(error.Summary!.MaxAbsoluteDifference <= error.Summary.Tolerance, "probabilities must still agree");
        Assert.True(error.Summary.CamMaxAbsoluteDifference > error.Summary.CamTolerance);
        Assert.Contains("class activation maps", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Rewires the <c>cam</c> output through an Add of a zero-mean [1, 2, h, w] pattern.</summary>
    private static byte[] TamperCam(byte[] onnx)
    {
        global::Onnx.ModelProto proto = global::Onnx.ModelProto.Parser.ParseFrom(onnx);
        global::Onnx.NodeProto identity = proto.Graph.Node.Single(n => n.Output.Single() == NasNetOnnxExporter.CamOutputName);
        identity.Output[0] = "cam_untampered";
        int side = InputSize / 32;
        float[] pattern = new float[2 * side * side];
        for (int i = 0; i < side * side; i++)
        {
            pattern[i] = i % side == 0 ? 1 : i % side == side - 1 ? -1 : 0;
        }

        global::Onnx.TensorProto shift = new() { Name = "cam_shift", DataType = (int)global::Onnx.TensorProto.Types.DataType.Float };
        shift.Dims.AddRange([1, 2, side, side]);
        shift.FloatData.AddRange(pattern);
        proto.Graph.Initializer.Add(shift);
        global::Onnx.NodeProto add = new() { OpType = "Add", Name = "cam_tamper" };
        add.Input.AddRange(["cam_untampered", "cam_shift"]);
        add.Output.Add(NasNetOnnxExporter.CamOutputName);
        proto.Graph.Node.Add(add);
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }
}
