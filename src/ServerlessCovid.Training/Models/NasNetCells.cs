using ServerlessCovid.Training.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Models;

/// <summary>A NASNet-A cell: takes the current input h and the previous cell's input p.</summary>
internal abstract class NasNetCell(string name) : nn.Module<Tensor, Tensor, Tensor>(name)
{
    public abstract long Filters { get; }

    public abstract bool IsReduction { get; }

    public abstract long OutputChannels { get; }

    public abstract AdjustKind AdjustKind { get; }

    public abstract OnnxValue Export(OnnxGraphBuilder g, OnnxValue input, OnnxValue previous);

    /// <summary>h: the current input after ReLU → 1×1 conv → BN.</summary>
    protected static Tensor Squeeze(Conv2d conv, BatchNorm2d bn, Tensor input) => bn.call(conv.call(nn.functional.relu(input)));

    protected static OnnxValue Squeeze(OnnxGraphBuilder g, Conv2d conv, BatchNorm2d bn, OnnxValue input) =>
        g.BatchNorm(g.Conv(g.Relu(input), conv), bn);

    /// <summary>Keras AveragePooling2D 3×3 'same' stride 1: padded cells are not counted.</summary>
    protected static Tensor AvgSame(Tensor x) =>
        nn.functional.avg_pool2d(x, 3, 1, 1, ceil_mode: false, count_include_pad: false);
}

/// <summary>Keras <c>_normal_a_cell</c>: concat[p, x1..x5], 6 × filters channels.</summary>
internal sealed class NormalCell : NasNetCell
{
    private readonly AdjustBlock _adjust;
    private readonly Conv2d _hConv;
    private readonly BatchNorm2d _hBn;
    private readonly SeparableBlock _h5x5;
    private readonly SeparableBlock _p3x3;
    private readonly SeparableBlock _p5x5;
    private readonly SeparableBlock _p3x3b;
    private readonly SeparableBlock _h3x3;

    public NormalCell(string name, AdjustKind adjust, long inChannels, long previousChannels, long filters)
        : base(name)
    {
        Filters = filters;
        _adjust = new AdjustBlock("adjust", adjust, previousChannels, filters);
        _hConv = KerasLayers.HeNormalConv(inChannels, filters, 1);
        _hBn = KerasLayers.BatchNorm(filters);
        long p = _adjust.OutputChannels;
        _h5x5 = new SeparableBlock("h5x5", filters, filters, 5, 1);
        _p3x3 = new SeparableBlock("p3x3", p, filters, 3, 1);
        _p5x5 = new SeparableBlock("p5x5", p, filters, 5, 1);
        _p3x3b = new SeparableBlock("p3x3b", p, filters, 3, 1);
        _h3x3 = new SeparableBlock("h3x3", filters, filters, 3, 1);
        RegisterComponents();
    }

    public override long Filters { get; }

    public override AdjustKind AdjustKind => _adjust.Kind;

    public override bool IsReduction => false;

    public override long OutputChannels => 6 * Filters;

    public override Tensor forward(Tensor input, Tensor previous)
    {
        using var scope = NewDisposeScope();
        Tensor p = _adjust.call(previous);
        Tensor h = Squeeze(_hConv, _hBn, input);
        Tensor reluH = SeparableBlock.Activate(h, 0);
        Tensor reluP = SeparableBlock.Activate(p, 0);
        Tensor x1 = _h5x5.ForwardActivated(reluH) + _p3x3.ForwardActivated(reluP);
        Tensor x2 = _p5x5.ForwardActivated(reluP) + _p3x3b.ForwardActivated(reluP);
        Tensor x3 = AvgSame(h) + p;
        Tensor pooledP = AvgSame(p);
        Tensor x4 = pooledP + pooledP;
        Tensor x5 = _h3x3.ForwardActivated(reluH) + h;
        return cat([p, x1, x2, x3, x4, x5], 1).MoveToOuterDisposeScope();
    }

    public override OnnxValue Export(OnnxGraphBuilder g, OnnxValue input, OnnxValue previous)
    {
        OnnxValue p = _adjust.Export(g, previous);
        OnnxValue h = Squeeze(g, _hConv, _hBn, input);
        OnnxValue x1 = g.Add(_h5x5.Export(g, h), _p3x3.Export(g, p));
        OnnxValue x2 = g.Add(_p5x5.Export(g, p), _p3x3b.Export(g, p));
        OnnxValue x3 = g.Add(g.AveragePool(h, 3, 1, 1), p);
        OnnxValue pooledP = g.AveragePool(p, 3, 1, 1);
        OnnxValue x4 = g.Add(pooledP, pooledP);
        OnnxValue x5 = g.Add(_h3x3.Export(g, h), h);
        return g.Concat(p, x1, x2, x3, x4, x5);
    }
}

/// <summary>Keras <c>_reduction_a_cell</c>: halves the resolution; concat[x2, x3, x4, x5], 4 × filters channels.</summary>
internal sealed class ReductionCell : NasNetCell
{
    private readonly AdjustBlock _adjust;
    private readonly Conv2d _hConv;
    private readonly BatchNorm2d _hBn;
    private readonly SeparableBlock _h5x5;
    private readonly SeparableBlock _p7x7;
    private readonly SeparableBlock _p7x7b;
    private readonly SeparableBlock _p5x5;
    private readonly SeparableBlock _x1_3x3;

    public ReductionCell(string name, AdjustKind adjust, long inChannels, long previousChannels, long filters)
        : base(name)
    {
        Filters = filters;
        _adjust = new AdjustBlock("adjust", adjust, previousChannels, filters);
        _hConv = KerasLayers.HeNormalConv(inChannels, filters, 1);
        _hBn = KerasLayers.BatchNorm(filters);
        long p = _adjust.OutputChannels;
        _h5x5 = new SeparableBlock("h5x5", filters, filters, 5, 2);
        _p7x7 = new SeparableBlock("p7x7", p, filters, 7, 2);
        _p7x7b = new SeparableBlock("p7x7b", p, filters, 7, 2);
        _p5x5 = new SeparableBlock("p5x5", p, filters, 5, 2);
        _x1_3x3 = new SeparableBlock("x1_3x3", filters, filters, 3, 1);
        RegisterComponents();
    }

    public override long Filters { get; }

    public override AdjustKind AdjustKind => _adjust.Kind;

    public override bool IsReduction => true;

    public override long OutputChannels => 4 * Filters;

    public override Tensor forward(Tensor input, Tensor previous)
    {
        using var scope = NewDisposeScope();
        Tensor p = _adjust.call(previous);
        Tensor h = Squeeze(_hConv, _hBn, input);

        // Keras zero-pads h once (correct_pad for 3×3) and pools it 'valid': the zeros take part in max and mean.
        Tensor h3 = KerasLayers.PadLikeKeras(h, 3);
        Tensor maxH = nn.functional.max_pool2d(h3, 3, 2);
        Tensor p7 = SeparableBlock.Activate(p, _p7x7.Kernel);
        Tensor x1 = _h5x5.ForwardActivated(SeparableBlock.Activate(h, _h5x5.Kernel)) + _p7x7.ForwardActivated(p7);
        Tensor x2 = maxH + _p7x7b.ForwardActivated(p7);
        Tensor x3 = nn.functional.avg_pool2d(h3, 3, 2) + _p5x5.ForwardActivated(SeparableBlock.Activate(p, _p5x5.Kernel));
        Tensor x4 = AvgSame(x1) + x2;
        Tensor x5 = _x1_3x3.call(x1) + maxH;
        return cat([x2, x3, x4, x5], 1).MoveToOuterDisposeScope();
    }

    public override OnnxValue Export(OnnxGraphBuilder g, OnnxValue input, OnnxValue previous)
    {
        OnnxValue p = _adjust.Export(g, previous);
        OnnxValue h = Squeeze(g, _hConv, _hBn, input);
        (long top, long bottom, long left, long right) = KerasLayers.CorrectPad(h.Height, h.Width, 3);
        OnnxValue h3 = g.Pad(h, top, bottom, left, right);
        OnnxValue maxH = g.MaxPool(h3, 3, 2);
        OnnxValue x1 = g.Add(_h5x5.Export(g, h), _p7x7.Export(g, p));
        OnnxValue x2 = g.Add(maxH, _p7x7b.Export(g, p));
        OnnxValue x3 = g.Add(g.AveragePool(h3, 3, 2, 0), _p5x5.Export(g, p));
        OnnxValue x4 = g.Add(g.AveragePool(x1, 3, 1, 1), x2);
        OnnxValue x5 = g.Add(_x1_3x3.Export(g, x1), maxH);
        return g.Concat(x2, x3, x4, x5);
    }
}
