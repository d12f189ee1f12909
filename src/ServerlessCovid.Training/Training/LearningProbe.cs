using ServerlessCovid.Training.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Training;

/// <summary>One cell's view of one training step: activation scale forward, gradient and relative update backward.</summary>
/// <param name="Name">Cell name (<c>stem</c>, <c>stem_1</c>, <c>normal_0</c> …; <c>head</c> for the classifier).</param>
/// <param name="Shape">Output shape [N, C, H, W].</param>
/// <param name="ActivationStd">Standard deviation of the cell's output over batch, channels and positions.</param>
/// <param name="ActivationMean">Mean of the cell's output.</param>
/// <param name="GradientNorm">L2 norm of the gradient of the loss w.r.t. the cell's parameters.</param>
/// <param name="WeightNorm">L2 norm of the cell's parameters.</param>
public sealed record CellProbe(
    string Name, long[] Shape, double ActivationMean, double ActivationStd, double GradientNorm, double WeightNorm)
{
    /// <summary>How far one plain SGD step of rate 1 would move the weights, relative to their size.</summary>
    public double RelativeGradient => WeightNorm > 0 ? GradientNorm / WeightNorm : 0;
}

/// <summary>What the head sees: pooled features and logits of one batch in train mode.</summary>
/// <param name="FeatureMean">Mean pooled feature (non-negative: ReLU then average pool).</param>
/// <param name="FeatureBetweenImageStd">Std across the batch of each pooled feature, averaged over features.</param>
/// <param name="FeatureSquaredNorm">Mean over images of ‖f‖²: how far one SGD step on the head moves a logit.</param>
/// <param name="LogitStd">Std of the logit difference (covid − normal) across the batch.</param>
/// <param name="Loss">Cross-entropy of the batch.</param>
public sealed record HeadProbe(double FeatureMean, double FeatureBetweenImageStd, double FeatureSquaredNorm, double LogitStd, double Loss);

public sealed record LearningProbeResult(IReadOnlyList<CellProbe> Cells, HeadProbe Head);

/// <summary>
/// Looks inside one forward/backward step of NASNet (train mode, no update), so two input sizes or two recipes can be
/// compared from the same initial weights: activation growth through the cells, the head's logit scale, and which
/// cells get how much gradient. Used by <c>covid bench learn --probe</c>.
/// </summary>
public static class LearningProbe
{
    public static LearningProbeResult Run(NasNet model, Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool wasTraining = model.training;
        List<(BatchNorm2d Bn, double? Momentum)> saved = [.. model.modules().OfType<BatchNorm2d>().Select(bn => (bn, bn.momentum))];
        List<(string Name, long[] Shape, double Mean, double Std)> activations = [];
        saved.ForEach(s => s.Bn.momentum = 0.0);
        model.train();
        try
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            (double Mean, double BetweenImageStd, double SquaredNorm) features = default;
            Tensor logits = model.ForwardObserved(
                images,
                (name, x) => activations.Add((name, x.shape, x.mean().item<float>(), x.std().item<float>())),
                f => features = (f.mean().item<float>(), f.std(0).mean().item<float>(), f.pow(2).sum(1).mean().item<float>()));
            Tensor loss = nn.functional.cross_entropy(logits, labels);
            loss.backward();

            List<CellProbe> cells = [];
            List<IEnumerable<Parameter>> owners = [model.StemParameters, .. model.Cells.Select(c => c.parameters()), model.Head.parameters()];
            for (int i = 0; i < owners.Count; i++)
            {
                (double gradient, double weight) = Norms(owners[i]);
                (string name, long[] shape, double mean, double std) = i < activations.Count
                    ? activations[i]
                    : ("head", logits.shape, logits.mean().item<float>(), logits.std().item<float>());
                cells.Add(new CellProbe(name, shape, mean, std, gradient, weight));
            }

            HeadProbe head = new(
                features.Mean,
                features.BetweenImageStd,
                features.SquaredNorm,
                (logits[.., 0] - logits[.., 1]).std().item<float>(),
                loss.item<float>());
            model.zero_grad();
            return new LearningProbeResult(cells, head);
        }
        finally
        {
            saved.ForEach(s => s.Bn.momentum = s.Momentum);
            model.train(wasTraining);
        }
    }

    private static (double Gradient, double Weight) Norms(IEnumerable<Parameter> parameters)
    {
        double gradient = 0, weight = 0;
        foreach (Parameter p in parameters)
        {
            weight += p.pow(2).sum().item<float>();
            if (p.grad is { } g)
            {
                gradient += g.pow(2).sum().item<float>();
            }
        }

        return (Math.Sqrt(gradient), Math.Sqrt(weight));
    }
}
