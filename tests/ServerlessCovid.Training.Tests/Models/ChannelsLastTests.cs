using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Models;

/// <summary>
/// Training runs channels-last for speed and exports NCHW semantics to ONNX; the two must compute the same function.
/// On this project's AVX-512 machine oneDNN's AVX-512 kernels broke that for some 1×1 convolutions, so every trained
/// model exported at chance while training reported validation AUC 0.95.
/// </summary>
public sealed class ChannelsLastTests
{
    public ChannelsLastTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ChannelsLastAgrees_MobileAt256Pixels_SameOutputsAsNchw()
    {
        // Arrange
        manual_seed(5);
        using NasNet model = NasNet.Create(NasNetConfig.Mobile());

        // Act
        bool agrees = model.ChannelsLastAgrees(256);

        // Assert
        Assert.True(agrees, $"oneDNN ISA cap {TorchRuntime.OneDnnMaxIsa ?? "none"}: channels-last and NCHW passes differ.");
    }

    [Fact]
    public void PointwiseConvolution_ChannelsLastShapeThatFailedOnAvx512_MatchesNchw()
    {
        // Arrange: the first normal cell's squeeze, 88 → 44 channels at 32×32, wrong by ~1.3 with AVX-512 kernels.
        manual_seed(6);
        using var conv = nn.Conv2d(88, 44, 1, bias: false);
        using Tensor input = nn.functional.relu(randn(8, 88, 32, 32));
        using Tensor channelsLast = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

        // Act
        using Tensor expected = conv.call(input);
        using Tensor actual = conv.call(channelsLast);

        // Assert
        Assert.True((expected - actual).abs().max().item<float>() < 1e-4);
    }

    [Fact]
    public void EnsureInitialized_NoIsaChosenByCaller_CapsOneDnnAtAvx2()
    {
        // Act
        TorchRuntime.EnsureInitialized();

        // Assert: the test host sets no cap, so the runtime's own choice is what the tests above ran with.
        Assert.Equal("AVX2", TorchRuntime.OneDnnMaxIsa);
    }
}
