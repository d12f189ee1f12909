using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Models;

/// <summary>Keras defaults that PyTorch does differently: initialisers, batch-norm constants and stride-2 padding.</summary>
internal static class KerasLayers
{
    /// <summary>Keras BN epsilon.</summary>
    public const double BatchNormEpsilon = 1e-3;

    /// <summary>
    /// Keras' momentum 0.9997 weights the old running value; PyTorch's momentum weights the new batch, so 1 − 0.9997.
    /// </summary>
    public const double KerasBatchNormMomentum = 0.0003;

    public static BatchNorm2d BatchNorm(long channels) =>
        nn.BatchNorm2d(channels, eps: BatchNormEpsilon, momentum: KerasBatchNormMomentum);

    /// <summary>A plain Conv2D as NASNet builds it: no bias, Keras <c>he_normal</c> (truncated normal, fan-in).</summary>
    public static Conv2d HeNormalConv(long inChannels, long outChannels, long kernel, long stride = 1)
    {
        Conv2d conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, bias: false);
        KerasInitializers.HeNormal(conv.weight!);
        return conv;
    }

    /// <summary>
    /// SeparableConv2D ignores NASNet's <c>kernel_initializer</c> and uses its own depthwise/pointwise defaults,
    /// Glorot-uniform; fan-in + fan-out is the same in Keras' and PyTorch's weight layouts, so so is the limit.
    /// </summary>
    public static Conv2d GlorotConv(long inChannels, long outChannels, long kernel, long stride, long padding, long groups)
    {
        Conv2d conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, groups: groups, bias: false);
        KerasInitializers.GlorotUniform(conv.weight!);
        return conv;
    }

    /// <summary>
    /// Keras <c>imagenet_utils.correct_pad</c>: (top, bottom, left, right) zero padding that makes a stride-2 'valid'
    /// window line up as TensorFlow's 'same' would, one pixel less on the top/left for even sizes.
    /// </summary>
    public static (long Top, long Bottom, long Left, long Right) CorrectPad(long height, long width, long kernel)
    {
        long half = kernel / 2;
        return (half - (1 - (height % 2)), half, half - (1 - (width % 2)), half);
    }

    public static Tensor PadLikeKeras(Tensor x, long kernel)
    {
        (long top, long bottom, long left, long right) = CorrectPad(x.shape[2], x.shape[3], kernel);
        return nn.functional.pad(x, [left, right, top, bottom]);
    }
}
