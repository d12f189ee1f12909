using ServerlessCovid.Training.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Models;

/// <summary>
/// Keras NASNet <c>_separable_conv_block</c>: ReLU → separable conv → BN → ReLU → separable conv → BN.
/// A separable conv is a depthwise k×k conv followed by a pointwise 1×1 conv, neither with bias.
/// </summary>
internal sealed class SeparableBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _depthwise1;
    private readonly Conv2d _pointwise1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _depthwise2;
    private readonly Conv2d _pointwise2;
    private readonly BatchNorm2d _bn2;
    private readonly long _kernel;
    private readonly long _stride;

    public SeparableBlock(string name, long inChannels, long filters, long kernel, long stride)
        : base(name)
    {
        _kernel = kernel;
        _stride = stride;

        // Stride 2 pads explicitly like Keras (correct_pad, then 'valid'); stride 1 is 'same', i.e. symmetric.
        long firstPadding = stride == 1 ? kernel / 2 : 0;
        _depthwise1 = KerasLayers.GlorotConv(inChannels, inChannels, kernel, stride, firstPadding, inChannels);
        _pointwise1 = KerasLayers.GlorotConv(inChannels, filters, 1, 1, 0, 1);
        _bn1 = KerasLayers.BatchNorm(filters);
        _depthwise2 = KerasLayers.GlorotConv(filters, filters, kernel, 1, kernel / 2, filters);
        _pointwise2 = KerasLayers.GlorotConv(filters, filters, 1, 1, 0, 1);
        _bn2 = KerasLayers.BatchNorm(filters);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = nn.functional.relu(input);
        if (_stride != 1)
        {
            x = KerasLayers.PadLikeKeras(x, _kernel);
        }

        x = _bn1.call(_pointwise1.call(_depthwise1.call(x)));
        x = nn.functional.relu(x);
        x = _bn2.call(_pointwise2.call(_depthwise2.call(x)));
        return x.MoveToOuterDisposeScope();
    }

    public OnnxValue Export(OnnxGraphBuilder g, OnnxValue input)
    {
        OnnxValue x = g.Relu(input);
        if (_stride != 1)
        {
            (long top, long bottom, long left, long right) = KerasLayers.CorrectPad(x.Height, x.Width, _kernel);
            x = g.Conv(x, _depthwise1, top, left, bottom, right);
        }
        else
        {
            long half = _kernel / 2;
            x = g.Conv(x, _depthwise1, half, half, half, half);
        }

        x = g.BatchNorm(g.Conv(x, _pointwise1), _bn1);
        x = g.Relu(x);
        long same = _kernel / 2;
        x = g.Conv(x, _depthwise2, same, same, same, same);
        return g.BatchNorm(g.Conv(x, _pointwise2), _bn2);
    }
}
