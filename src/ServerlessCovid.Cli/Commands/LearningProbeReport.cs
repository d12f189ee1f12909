using System.Globalization;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench learn --probe-sizes</c>: one batch through the same initial weights at each input size, cell by
/// cell (activation std, gradient norm relative to the weights), the head's view, then optionally the loss of the
/// first training steps at each size. Answers "what differs between a size that learns and one that does not".
/// </summary>
internal static class LearningProbeReport
{
    public static void Print(TextWriter writer, TrainingRequest request, IReadOnlyList<int> sizes, int steps, CancellationToken cancellationToken)
    {
        DatasetSplit split = DatasetSplitter.Stratified(request.Images, request.ValidationFraction, request.Seed);
        List<LearningProbeResult> results = [];
        List<double[]> losses = [];
        foreach (int size in sizes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using TrainingData data = TrainingData.Load(split.Training, new XrayPreprocessorImageLoader(), size, cancellationToken);
            manual_seed(request.Seed);
            using NasNet model = NasNet.Create(request.Architecture);
            model.ChannelsLast = true;
            foreach (BatchNorm2d bn in model.modules().OfType<BatchNorm2d>())
            {
                bn.momentum = request.BatchNormMomentum;
            }

            long[] order = Trainer.EpochOrder(data.Count, request.Seed, 1);
            using (var scope = NewDisposeScope())
            {
                Tensor index = tensor(order[..request.BatchSize]);
                results.Add(LearningProbe.Run(model, data.Images.index_select(0, index), data.Labels.index_select(0, index)));
            }

            losses.Add(TrainSteps(model, data, order, request, steps, cancellationToken));
        }

        PrintCells(writer, sizes, results);
        PrintHead(writer, sizes, results);
        for (int i = 0; i < sizes.Count && steps > 0; i++)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{sizes[i]} px, loss of the first {steps} steps: {string.Join(' ', losses[i].Select(l => l.ToString("F2", CultureInfo.InvariantCulture)))}"));
        }
    }

    private static void PrintCells(TextWriter writer, IReadOnlyList<int> sizes, List<LearningProbeResult> results)
    {
        string header = "cell        " + string.Concat(sizes.Select(s => string.Create(CultureInfo.InvariantCulture, $"| {s + " px",-8} act std  grad/weight ")));
        writer.WriteLine(header);
        for (int c = 0; c < results[0].Cells.Count; c++)
        {
            string row = string.Create(CultureInfo.InvariantCulture, $"{results[0].Cells[c].Name,-12}");
            foreach (LearningProbeResult result in results)
            {
                CellProbe cell = result.Cells[c];
                string shape = cell.Shape.Length == 4 ? $"{cell.Shape[2]}×{cell.Shape[3]}" : "logits";
                row += string.Create(CultureInfo.InvariantCulture, $"| {shape,-8} {cell.ActivationStd,7:F3}  {cell.RelativeGradient,11:E2} ");
            }

            writer.WriteLine(row);
        }
    }

    private static void PrintHead(TextWriter writer, IReadOnlyList<int> sizes, List<LearningProbeResult> results)
    {
        for (int i = 0; i < sizes.Count; i++)
        {
            HeadProbe h = results[i].Head;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{sizes[i]} px head: pooled feature mean {h.FeatureMean:F3}, between-image std {h.FeatureBetweenImageStd:F4} "
                + $"(ratio {h.FeatureBetweenImageStd / Math.Max(1e-12, h.FeatureMean):F3}), ‖f‖² {h.FeatureSquaredNorm:F1}, "
                + $"logit-difference std {h.LogitStd:F3}, loss {h.Loss:F3}"));
        }
    }

    /// <summary>The recipe's optimiser at its constant peak rate (after any warm-up), one loss per step.</summary>
    private static double[] TrainSteps(NasNet model, TrainingData data, long[] order, TrainingRequest request, int steps, CancellationToken cancellationToken)
    {
        double[] losses = new double[steps];
        model.train();
        using var optimizer = optim.SGD(model.parameters(), request.LearningRate, request.Momentum, 0, request.WeightDecay, request.Nesterov);
        int stepsPerEpoch = (int)((data.Count + request.BatchSize - 1) / request.BatchSize);
        for (int step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = Trainer.LearningRateAt(request, step, stepsPerEpoch);
            }

            int start = step * request.BatchSize % (order.Length - request.BatchSize + 1);
            Tensor index = tensor(order[start..(start + request.BatchSize)]);
            Tensor loss = nn.functional.cross_entropy(model.forward(data.Images.index_select(0, index)), data.Labels.index_select(0, index));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses[step] = loss.item<float>();
        }

        return losses;
    }
}
