using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Training;

/// <summary>The trainer's scoring: per-epoch metrics in eval mode, and BN statistics recomputed over the training set.</summary>
public sealed partial class Trainer
{
    /// <summary>Loss, accuracy and MSE (softmax vs one-hot, Keras' <c>mse</c>) in eval mode.</summary>
    internal static Metrics Evaluate(NasNet model, Tensor images, Tensor labels, int batchSize, bool batchStatistics = false)
    {
        bool wasTraining = model.training;
        List<(BatchNorm2d Bn, double? Momentum)> saved = [];
        if (batchStatistics)
        {
            // Train-mode forward without touching the running statistics (momentum 0 keeps them as they are).
            saved = [.. model.modules().OfType<BatchNorm2d>().Select(bn => (bn, bn.momentum))];
            saved.ForEach(s => s.Bn.momentum = 0.0);
            model.train();
        }
        else
        {
            model.eval();
        }

        try
        {
            using var noGrad = no_grad();
            long count = labels.shape[0];
            using var shuffleScope = NewDisposeScope();
            if (batchStatistics)
            {
                // Batch statistics depend on the batch: mix classes as training batches do, or a one-class batch is
                // normalised to look like nothing.
                Tensor order = tensor(EpochOrder(count, 0, 0));
                images = images.index_select(0, order);
                labels = labels.index_select(0, order);
            }

            double lossSum = 0, mseSum = 0;
            long correct = 0;
            List<double> positiveScores = [];
            List<bool> isPositive = [];
            int positiveIndex = ClassNames.IndexOf(ClassNames.Positive);
            for (long start = 0; start < count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(batchSize, count - start);
                Tensor x = images.narrow(0, start, length);
                Tensor y = labels.narrow(0, start, length);
                Tensor logits = model.forward(x);
                (double loss, long batchCorrect, double mse) = Score(logits, y, nn.functional.cross_entropy(logits, y));
                lossSum += loss * length;
                correct += batchCorrect;
                mseSum += mse * length;
                positiveScores.AddRange(nn.functional.softmax(logits, 1)[.., positiveIndex].data<float>().ToArray().Select(p => (double)p));
                isPositive.AddRange(y.data<long>().ToArray().Select(label => label == positiveIndex));
            }

            double? auc = RocCurve.Compute(ClassNames.Positive, positiveScores, isPositive).Auc;
            return new Metrics(lossSum / count, (double)correct / count, mseSum / count, auc);
        }
        finally
        {
            saved.ForEach(s => s.Bn.momentum = s.Momentum);
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// "Precise BN": running mean/variance become the cumulative average over up to <paramref name="maxImages"/>
    /// training images (momentum null), so eval mode behaves like the train mode the weights were fitted in, whatever
    /// the BN momentum. The images go through in a shuffled order, batched as in training: the split lists them class by
    /// class, and one-class batches have a far smaller variance than the mixed batches the weights were fitted with
    /// (0.3% of it at the stem in <c>PreciseBatchNormTests</c>), so eval mode normalised with the wrong scale.
    /// </summary>
    internal static void RecomputeBatchNormStatistics(NasNet model, Tensor images, int batchSize, int maxImages = int.MaxValue)
    {
        List<(BatchNorm2d Bn, double? Momentum)> saved = [.. model.modules().OfType<BatchNorm2d>().Select(bn => (bn, bn.momentum))];
        bool wasTraining = model.training;
        foreach ((BatchNorm2d bn, _) in saved)
        {
            bn.reset_running_stats();
            bn.momentum = null;
        }

        model.train();
        try
        {
            using var noGrad = no_grad();
            long[] order = EpochOrder(images.shape[0], 0, 0);
            long count = Math.Min(order.Length, maxImages);
            for (long start = 0; start < count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                Tensor index = tensor(order[(int)start..(int)Math.Min(count, start + batchSize)]);
                model.forward(images.index_select(0, index));
            }
        }
        finally
        {
            saved.ForEach(s => s.Bn.momentum = s.Momentum);
            model.train(wasTraining);
        }
    }

    private static (double Loss, long Correct, double Mse) Score(Tensor logits, Tensor labels, Tensor loss)
    {
        Tensor probabilities = nn.functional.softmax(logits, 1);
        Tensor oneHot = nn.functional.one_hot(labels, logits.shape[1]).to_type(ScalarType.Float32);
        double mse = (probabilities - oneHot).pow(2).mean().item<float>();
        long correct = logits.argmax(1).eq(labels).sum().item<long>();
        return (loss.item<float>(), correct, mse);
    }

    internal readonly record struct Metrics(double Loss, double Accuracy, double Mse, double? Auc = null);
}
