using ServerlessCovid.Training.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Models;

/// <summary>How a cell makes its previous-cell input <c>p</c> match the current input (Keras <c>_adjust_block</c>).</summary>
public enum AdjustKind
{
    /// <summary>Used as is: the first cell (p is the stem output itself), or p already matches.</summary>
    None,

    /// <summary>p has twice the resolution: two 1×1 convs on stride-2 samples, the second shifted one pixel, then BN.</summary>
    FactorizedReduction,

    /// <summary>Same resolution, other channel count: ReLU → 1×1 conv → BN.</summary>
    Projection,
}

internal sealed class AdjustBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d? _conv1;
    private readonly Conv2d? _conv2;
    private readonly BatchNorm2d? _bn;

    public AdjustBlock(string name, AdjustKind kind, long inChannels, long filters)
        : base(name)
    {
        Kind = kind;
        switch (kind)
        {
            case AdjustKind.FactorizedReduction:
                _conv1 = KerasLayers.HeNormalConv(inChannels, filters / 2, 1);
                _conv2 = KerasLayers.HeNormalConv(inChannels, filters / 2, 1);
                _bn = KerasLayers.BatchNorm(2 * (filters / 2));
                OutputChannels = 2 * (filters / 2);
                break;
            case AdjustKind.Projection:
                _conv1 = KerasLayers.HeNormalConv(inChannels, filters, 1);
                _bn = KerasLayers.BatchNorm(filters);
                OutputChannels = filters;
                break;
            default:
                OutputChannels = inChannels;
                break;
        }

        RegisterComponents();
    }

    public AdjustKind Kind { get; }

    public long OutputChannels { get; }

    /// <summary>Chooses the adjustment exactly as Keras does from the shapes it sees.</summary>
    public static AdjustKind Choose(bool isFirstCell, bool previousHasHigherResolution, long previousChannels, long filters) =>
        isFirstCell ? AdjustKind.None
        : previousHasHigherResolution ? AdjustKind.FactorizedReduction
        : previousChannels != filters ? AdjustKind.Projection
        : AdjustKind.None;

    public override Tensor forward(Tensor input)
    {
        if (Kind == AdjustKind.None)
        {
            return input;
        }

        using var scope = NewDisposeScope();
        Tensor p = nn.functional.relu(input);
        Tensor result;
        if (Kind == AdjustKind.Projection)
        {
            result = _bn!.call(_conv1!.call(p));
        }
        else
        {
            Tensor path1 = _conv1!.call(nn.functional.avg_pool2d(p, 1, 2));

            // Keras: ZeroPadding2D(((0, 1), (0, 1))) then Cropping2D(((1, 0), (1, 0))): a one-pixel shift up-left.
            Tensor shifted = nn.functional.pad(p, [0, 1, 0, 1]);
            shifted = shifted.slice(2, 1, shifted.shape[2], 1).slice(3, 1, shifted.shape[3], 1);
            Tensor path2 = _conv2!.call(nn.functional.avg_pool2d(shifted, 1, 2));
            result = _bn!.call(cat([path1, path2], 1));
        }

        return result.MoveToOuterDisposeScope();
    }

    public OnnxValue Export(OnnxGraphBuilder g, OnnxValue input)
    {
        if (Kind == AdjustKind.None)
        {
            return input;
        }

        OnnxValue p = g.Relu(input);
        if (Kind == AdjustKind.Projection)
        {
            return g.BatchNorm(g.Conv(p, _conv1!), _bn!);
        }

        OnnxValue path1 = g.Conv(g.AveragePool(p, 1, 2, 0), _conv1!);
        OnnxValue shifted = g.CropTopLeft(g.Pad(p, 0, 1, 0, 1), 1);
        OnnxValue path2 = g.Conv(g.AveragePool(shifted, 1, 2, 0), _conv2!);
        return g.BatchNorm(g.Concat(path1, path2), _bn!);
    }
}
