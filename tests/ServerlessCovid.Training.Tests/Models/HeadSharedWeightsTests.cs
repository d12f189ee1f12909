using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Models;

/// <summary>
/// Why the served activation map is the positive class's map minus the other's (ActivationMap.ForPositiveClass):
/// with a two-class softmax and cross-entropy, the part of the head both classes share gets no gradient, so it keeps
/// its random initialisation however long the model trains, and the positive class's own map carries it.
/// </summary>
public sealed class HeadSharedWeightsTests
{
    public HeadSharedWeightsTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void SgdSteps_TwoClassCrossEntropy_SharedHeadWeightsStayAtInitialisationWhileDifferenceLearns()
    {
        // Arrange: the learn preset's optimiser without weight decay (with it, the shared part only shrinks by
        // lr·decay per step), on random images and labels.
        manual_seed(5);
        using NasNet model = NasNet.Create(NasNetConfig.Tiny());
        model.train();
        Linear head = model.Head;
        using var scope = NewDisposeScope();
        Tensor sharedBefore = (head.weight![0] + head.weight[1]).detach().clone();
        Tensor biasBefore = (head.bias![0] + head.bias[1]).detach().clone();
        Tensor differenceBefore = (head.weight[0] - head.weight[1]).detach().clone();
        using var optimizer = optim.SGD(model.parameters(), 0.05, 0.9, 0, 0, true);
        Tensor images = rand(8, 3, 64, 64);
        Tensor labels = tensor(new long[] { 0, 1, 1, 0, 1, 0, 0, 1 });

        // Act
        for (int step = 0; step < 5; step++)
        {
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.forward(images), labels).backward();
            optimizer.step();
        }

        // Assert: only float rounding moves the shared part; the difference, the decision, moves by orders more.
        double sharedMoved = (head.weight[0] + head.weight[1] - sharedBefore).abs().max().item<float>();
        double biasMoved = (head.bias[0] + head.bias[1] - biasBefore).abs().item<float>();
        double differenceMoved = (head.weight[0] - head.weight[1] - differenceBefore).abs().max().item<float>();
        Assert.True(differenceMoved > 1e-3, $"the head must learn for the check to mean anything (moved {differenceMoved:G3})");
        Assert.True(sharedMoved < 1e-6, $"shared weights moved {sharedMoved:G3} against {differenceMoved:G3} for the difference");
        Assert.True(biasMoved < 1e-6, $"shared bias moved {biasMoved:G3}");
        Assert.True(sharedBefore.abs().max().item<float>() > 100 * sharedMoved, "the shared part starts random, not zero");
    }
}
