using ServerlessCovid.Training.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Models;

/// <summary>
/// NASNet-A as Keras' <c>NASNet(...)</c> builds it (<see cref="NasNetConfig.Mobile"/> = <c>NASNetMobile</c>, with
/// <c>skip_reduction=False</c>): stem conv → two stem reduction cells → 3 stages of normal cells with reduction cells
/// between → ReLU → global average pool → linear head. <see cref="forward"/> returns logits; softmax is applied by
/// the loss in training and by the exported ONNX graph.
/// </summary>
public sealed class NasNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _stemConv;
    private readonly BatchNorm2d _stemBn;
    private readonly ModuleList<NasNetCell> _cells;
    private readonly Linear _classifier;

    private NasNet(NasNetConfig config)
        : base(nameof(NasNet))
    {
        config.Validate();
        Config = config;
        _stemConv = KerasLayers.HeNormalConv(3, config.StemFilters, 3, stride: 2);
        _stemBn = KerasLayers.BatchNorm(config.StemFilters);
        _cells = new ModuleList<NasNetCell>();
        foreach (NasNetCell cell in BuildCells(config))
        {
            _cells.Add(cell);
        }

        FeatureChannels = _cells[^1].OutputChannels;
        _classifier = nn.Linear(FeatureChannels, config.Classes);
        KerasInitializers.GlorotUniform(_classifier.weight!);
        using (no_grad())
        {
            _classifier.bias!.zero_();
        }

        RegisterComponents();
    }

    public NasNetConfig Config { get; }

    /// <summary>
    /// Feed the convolutions NHWC-strided tensors (TorchSharp 0.107 has no channels-last API; a permute round trip
    /// gives the strides, and oneDNN keeps them through the cells). With NCHW, the weight gradient of every 5×5 and 7×7
    /// depthwise conv falls back to oneDNN's generic path. Changes speed only, never the numbers beyond rounding.
    /// </summary>
    public bool ChannelsLast { get; set; }

    /// <summary>Channels entering the head: the penultimate filters (1056 for NASNetMobile).</summary>
    public long FeatureChannels { get; }

    internal IReadOnlyList<NasNetCell> Cells => [.. _cells];

    internal IEnumerable<Parameter> StemParameters => _stemConv.parameters().Concat(_stemBn.parameters());

    internal Conv2d StemConv => _stemConv;

    internal BatchNorm2d StemBatchNorm => _stemBn;

    internal Linear Head => _classifier;

    /// <summary>Builds the network; seed TorchSharp (<c>torch.manual_seed</c>) first for reproducible weights.</summary>
    public static NasNet Create(NasNetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new NasNet(config);
    }

    public override Tensor forward(Tensor input) => ForwardObserved(input, observe: null);

    /// <summary>
    /// Whether the channels-last pass computes what the NCHW pass (and the ONNX export) computes, on two deterministic
    /// images of <paramref name="imageSize"/>, in eval mode. Channels-last strides pick other oneDNN kernels, and one
    /// of them was found wrong on an AVX-512 CPU (<see cref="Platform.TorchRuntime.OneDnnMaxIsa"/>); training runs
    /// this first and stays NCHW when the layouts disagree, so a model can never learn a function it cannot export.
    /// </summary>
    internal bool ChannelsLastAgrees(int imageSize, double tolerance = 1e-3)
    {
        bool wasTraining = training;
        bool wasChannelsLast = ChannelsLast;
        try
        {
            eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();

            // No RNG: drawing here would shift the seeded stream the run's weights and batches come from.
            // Two images: at batch 1 libtorch skips oneDNN for 1×1 convolutions and logs a line per layer probing NNPACK.
            Tensor image = arange(2L * 3 * imageSize * imageSize, ScalarType.Float32).mul(0.001).sin().add(1).mul(0.5)
                .reshape(2, 3, imageSize, imageSize);
            ChannelsLast = false;
            Tensor nchw = forward(image);
            ChannelsLast = true;
            Tensor channelsLast = forward(image);
            return (nchw - channelsLast).abs().max().item<float>() <= tolerance * Math.Max(1, nchw.abs().max().item<float>());
        }
        finally
        {
            ChannelsLast = wasChannelsLast;
            train(wasTraining);
        }
    }

    /// <summary>
    /// Forward pass that shows every cell's output to <paramref name="observe"/> (model summaries) and the pooled
    /// features entering the head to <paramref name="observePooled"/> (learning probes).
    /// </summary>
    internal Tensor ForwardObserved(Tensor input, Action<string, Tensor>? observe, Action<Tensor>? observePooled = null)
    {
        using var scope = NewDisposeScope();
        Tensor pooled = RectifiedFeatures(input, observe).mean([2, 3]);
        observePooled?.Invoke(pooled);
        return _classifier.call(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Class activation maps [N, classes, h, w] in eval mode (8×8 at 256 px): the head applied at every position of
    /// the rectified last feature map, CAM_c = Σ_k W[c,k]·relu(x)[k] + b_c. Exact for this head (ReLU → global
    /// average pool → one dense layer): each map's spatial mean is that class's logit. What the exported <c>cam</c>
    /// output computes.
    /// </summary>
    public Tensor ClassActivationMaps(Tensor input)
    {
        (Tensor logits, Tensor maps) = ForwardWithMaps(input);
        logits.Dispose();
        return maps;
    }

    /// <summary>Logits and class activation maps from one eval-mode pass (the parity check compares both).</summary>
    internal (Tensor Logits, Tensor Maps) ForwardWithMaps(Tensor input)
    {
        bool wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            Tensor features = RectifiedFeatures(input, observe: null);
            Tensor logits = _classifier.call(features.mean([2, 3]));

            // A contraction, not a 1×1 conv: it takes no oneDNN convolution kernel (see ChannelsLastAgrees).
            Tensor maps = einsum("nkhw,ck->nchw", features, _classifier.weight!)
                .add(_classifier.bias!.view(1, -1, 1, 1));
            return (logits.MoveToOuterDisposeScope(), maps.MoveToOuterDisposeScope());
        }
        finally
        {
            train(wasTraining);
        }
    }

    /// <summary>The last cell's output after the head's ReLU, [N, FeatureChannels, h, w].</summary>
    private Tensor RectifiedFeatures(Tensor input, Action<string, Tensor>? observe)
    {
        using var scope = NewDisposeScope();
        if (ChannelsLast)
        {
            input = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        }

        Tensor x = _stemBn.call(_stemConv.call(input));
        observe?.Invoke("stem", x);

        // Keras passes p = None to the first cell, which then uses its own input as p (unprojected).
        Tensor p = x;
        for (int i = 0; i < _cells.Count; i++)
        {
            Tensor next = _cells[i].call(x, p);
            observe?.Invoke(_cells[i].GetName(), next);

            // Autograd keeps what backward needs; the concatenated outputs of earlier cells are not part of it, and
            // holding them to the end of the pass (as this scope would) costs hundreds of MB at batch 32.
            if (i > 0)
            {
                p.Dispose();
            }

            p = x;
            x = next;
        }

        return nn.functional.relu(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Emits the graph of <see cref="forward"/> (logits) into <paramref name="g"/>, and beside it the class activation
    /// maps of <see cref="ClassActivationMaps"/> as a 1×1 Conv of the same rectified features with the head's own
    /// weights reshaped to [classes, K, 1, 1], so the maps cannot drift from the logits they explain.
    /// </summary>
    internal (OnnxValue Logits, OnnxValue Maps) Export(OnnxGraphBuilder g, OnnxValue input)
    {
        OnnxValue x = g.BatchNorm(g.Conv(input, _stemConv), _stemBn);
        OnnxValue p = x;
        foreach (NasNetCell cell in _cells)
        {
            OnnxValue next = cell.Export(g, x, p);
            p = x;
            x = next;
        }

        OnnxValue rectified = g.Relu(x);
        string pooled = g.Node("GlobalAveragePool", [rectified.Name]);
        string flat = g.Node("Flatten", [pooled], OnnxGraphBuilder.Int("axis", 1));
        string headWeight = g.AddFloatInitializer("head_w", _classifier.weight!);
        string headBias = g.AddFloatInitializer("head_b", _classifier.bias!);
        string logits = g.Node("Gemm", [flat, headWeight, headBias], OnnxGraphBuilder.Int("transB", 1));

        string kernel = g.Node("Reshape", [headWeight, g.AddInt64Initializer("cam_shape", Config.Classes, FeatureChannels, 1, 1)]);
        string maps = g.Node(
            "Conv",
            [rectified.Name, kernel, headBias],
            OnnxGraphBuilder.Ints("kernel_shape", 1, 1),
            OnnxGraphBuilder.Ints("strides", 1, 1),
            OnnxGraphBuilder.Ints("pads", 0, 0, 0, 0));
        return (new OnnxValue(logits, Config.Classes, 1, 1), new OnnxValue(maps, Config.Classes, x.Height, x.Width));
    }

    private static List<NasNetCell> BuildCells(NasNetConfig config)
    {
        List<NasNetCell> cells = [];
        int filters = config.BaseFilters;
        int multiplier = config.FilterMultiplier;

        // Channels and resolution level (number of reductions) of the current input x and the previous input p.
        (long Channels, int Level) x = (config.StemFilters, 0);
        (long Channels, int Level)? p = null;

        void Add(bool reduction, string name, long cellFilters)
        {
            AdjustKind adjust = AdjustBlock.Choose(p is null, p is { } prev && prev.Level < x.Level, p?.Channels ?? x.Channels, cellFilters);
            long previousChannels = p?.Channels ?? x.Channels;
            NasNetCell cell = reduction
                ? new ReductionCell(name, adjust, x.Channels, previousChannels, cellFilters)
                : new NormalCell(name, adjust, x.Channels, previousChannels, cellFilters);
            cells.Add(cell);
            p = x;
            x = (cell.OutputChannels, x.Level + (reduction ? 1 : 0));
        }

        Add(reduction: true, "stem_1", filters / (multiplier * multiplier));
        Add(reduction: true, "stem_2", filters / multiplier);
        int stageFilters = filters;
        int blocks = config.CellsPerStage;
        for (int stage = 0; stage < 3; stage++)
        {
            if (stage > 0)
            {
                stageFilters *= multiplier;
                Add(reduction: true, $"reduce_{stage * blocks}", stageFilters);
            }

            // Keras' block ids: 0..n-1, then n+1..2n, then 2n+1..3n.
            for (int i = 0; i < blocks; i++)
            {
                Add(reduction: false, $"normal_{(stage * blocks) + i + (stage > 0 ? 1 : 0)}", stageFilters);
            }
        }

        return cells;
    }
}
