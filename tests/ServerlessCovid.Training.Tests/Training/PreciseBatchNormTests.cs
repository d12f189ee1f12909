using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Training;

public sealed class PreciseBatchNormTests
{
    public PreciseBatchNormTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void RecomputeBatchNormStatistics_ImagesListedClassByClass_VarianceIsThatOfMixedBatches()
    {
        // Arrange: 32 images listed as a split lists them, one class after the other: dark, then bright, plus noise.
        manual_seed(3);
        using NasNet model = NasNet.Create(NasNetConfig.Tiny());
        using var scope = NewDisposeScope();
        Tensor dark = (rand(16, 3, 64, 64) * 0.1) + 0.1;
        Tensor bright = (rand(16, 3, 64, 64) * 0.1) + 0.8;
        Tensor images = cat([dark, bright], 0);
        Tensor stem;
        using (no_grad())
        {
            stem = model.StemConv.call(images);
        }

        Tensor populationVariance = stem.transpose(0, 1).flatten(1).var(1);

        // Act
        Trainer.RecomputeBatchNormStatistics(model, images, batchSize: 8);

        // Assert: one-class batches would see only the noise, a few percent of the variance training batches see.
        Tensor ratio = model.StemBatchNorm.running_var! / populationVariance;
        Assert.True(ratio.min().item<float>() > 0.6, $"running variance / population variance: min {ratio.min().item<float>():F3}");
        Assert.True(ratio.max().item<float>() < 1.2, $"running variance / population variance: max {ratio.max().item<float>():F3}");
    }

    [Fact]
    public void RecomputeBatchNormStatistics_WithImageCap_UsesOnlyThatManyImages()
    {
        // Arrange: 8 images of one level then 8 far brighter; a cap of 8 on a shuffled order mixes both anyway.
        manual_seed(4);
        using NasNet model = NasNet.Create(NasNetConfig.Tiny());
        using var scope = NewDisposeScope();
        Tensor images = cat([zeros(8, 3, 64, 64), ones(8, 3, 64, 64)], 0);

        // Act
        Trainer.RecomputeBatchNormStatistics(model, images, batchSize: 4, maxImages: 8);

        // Assert: PyTorch counts forward passes in num_batches_tracked: 8 images in batches of 4 are two.
        Assert.Equal(2, model.StemBatchNorm.num_batches_tracked!.item<long>());
    }
}
