using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Models;

/// <summary>One row of the architecture summary.</summary>
public sealed record CellSummary(string Name, string Kind, long Filters, string Adjust, long[] OutputShape, long Parameters);

/// <summary>What <c>covid model-info</c> prints: sizes, cost at an input size, and the cell-by-cell layout.</summary>
public sealed record ModelInfo(
    string Architecture,
    long TrainableParameters,
    long HeadParameters,
    long BatchNormStatistics,
    int InputSize,
    long MultiplyAdds,
    IReadOnlyList<CellSummary> Cells)
{
    public static long CountTrainableParameters(nn.Module model) =>
        model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>running_mean + running_var elements: Keras' "non-trainable parameters".</summary>
    public static long CountBatchNormStatistics(nn.Module model) =>
        model.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal)
                                         || b.name.EndsWith("running_var", StringComparison.Ordinal))
            .Sum(b => b.buffer.numel());

    /// <summary>
    /// Measures the model with one forward pass of a zero image: multiply-adds of every convolution and of the head
    /// (as the NASNet paper counts them), and each cell's output shape.
    /// </summary>
    public static ModelInfo Measure(NasNet model, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        long macs = 0;
        List<Action> removers = [];
        foreach ((_, nn.Module module) in model.named_modules())
        {
            if (module is Conv2d conv)
            {
                var remover = conv.register_forward_hook((m, input, output) =>
                {
                    Conv2d c = (Conv2d)m;
                    long perOutput = c.weight!.shape[1] * c.weight.shape[2] * c.weight.shape[3];
                    macs += output.numel() / output.shape[0] * perOutput;
                    return output;
                });
                removers.Add(remover.remove);
            }
        }

        Linear head = model.modules().OfType<Linear>().Single();
        macs += head.weight!.shape[0] * head.weight.shape[1];

        Dictionary<string, long[]> shapes = [];
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            model.ForwardObserved(zeros(1, 3, inputSize, inputSize), (name, output) => shapes[name] = output.shape);
        }
        finally
        {
            removers.ForEach(remove => remove());
            model.train(wasTraining);
        }

        List<CellSummary> cells = [new("stem", "stem conv 3×3/2 + BN", model.Config.StemFilters, "-", shapes["stem"], (27L * model.Config.StemFilters) + (2L * model.Config.StemFilters))];
        foreach (NasNetCell cell in model.Cells)
        {
            cells.Add(new CellSummary(
                cell.GetName(),
                cell.IsReduction ? "reduction" : "normal",
                cell.Filters,
                cell.AdjustKind.ToString(),
                shapes[cell.GetName()],
                CountTrainableParameters(cell)));
        }

        return new ModelInfo(
            model.Config.Describe(),
            CountTrainableParameters(model),
            head.weight.numel() + head.bias!.numel(),
            CountBatchNormStatistics(model),
            inputSize,
            macs,
            cells);
    }
}
