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

    public long Kernel => _kernel;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return ForwardActivated(Activate(input, _stride == 1 ? 0 : _kernel)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block's leading ReLU (and, for stride 2, its Keras padding) on <paramref name="input"/>. A cell computes it
    /// once per input and kernel and hands it to every block that reads that input, because autograd keeps each
    /// ReLU's output until backward: three blocks reading p would otherwise hold three copies of relu(p).
    /// </summary>
    /// <param name="input">The tensor the blocks read (p or h of a cell).</param>
    /// <param name="padForKernel">0 for stride 1; the kernel size of a stride-2 block.</param>
    public static Tensor Activate(Tensor input, long padForKernel)
    {
        // relu(0) = 0, so padding first and rectifying the padded copy in place equals relu-then-pad and keeps one
        // tensor (the padded one, which the depthwise conv saves anyway) instead of two.
        return padForKernel == 0
            ? nn.functional.relu(input)
            : KerasLayers.PadLikeKeras(input, padForKernel).relu_();
    }

    /// <summary>The block after its leading ReLU: <paramref name="activated"/> comes from <see cref="Activate"/>.</summary>
    public Tensor ForwardActivated(Tensor activated)
    {
        using var scope = NewDisposeScope();
        Tensor x = _bn1.call(_pointwise1.call(_depthwise1.call(activated)));

        // In place: batch norm's backward reads its input and batch statistics, never its output.
        x = x.relu_();
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
