using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Training;

/// <summary>The trainer's warm-start hook: <see cref="TrainingRequest.InitialWeights"/>.</summary>
public sealed class InitialWeightsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sc-initial-weights-").FullName;

    public InitialWeightsTests() => TorchRuntime.EnsureInitialized();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task TrainAsync_FreshRunFromInitialWeights_EvalOutputsBeforeAnyStepEqualTheSourceModel()
    {
        // Arrange: a source network whose BN statistics have moved, saved as a package would carry it.
        using ToyDataset dataset = new(perClass: 4);
        using NasNet source = SourceModel(seed: 3);
        string weights = Path.Combine(_root, ModelManifest.WeightsFileName);
        await File.WriteAllBytesAsync(weights, PackageWeights.Save(source));
        TrainingRequest request = TrainerTests.TinyRequest(dataset.Images, epochs: 1) with
        {
            InitialWeights = InitialWeights.FromFile(weights, NasNetConfig.Tiny(), source: "source model"),
        };

        // Act: no epoch is run, so the model is exactly what the run starts training from.
        using TrainingOutcome warm = await TrainerTests.NewTrainer().TrainAsync(request, Path.Combine(_root, "warm"), epochsToRunNow: 0);
        using TrainingOutcome random = await TrainerTests.NewTrainer().TrainAsync(
            request with { InitialWeights = null }, Path.Combine(_root, "random"), epochsToRunNow: 0);

        // Assert: identical to the source; a random start (the same seed) is not, so the comparison can tell.
        Assert.Empty(warm.History);
        // Same weights, but the trainer's model is channels-last: other oneDNN kernels, other float summation order.
        Assert.InRange(MaxDifference(source, warm.Model), 0.0, 1e-5);
        Assert.True(MaxDifference(source, random.Model) > 1e-3);
    }

    [Fact]
    public async Task TrainAsync_InitialWeightsCorruptedAfterward_ThrowsInvalidModelWeights()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 4);
        using NasNet source = SourceModel(seed: 3);
        string weights = Path.Combine(_root, ModelManifest.WeightsFileName);
        byte[] bytes = PackageWeights.Save(source);
        await File.WriteAllBytesAsync(weights, bytes);
        InitialWeights initial = InitialWeights.FromFile(weights, NasNetConfig.Tiny());
        await File.WriteAllBytesAsync(weights, bytes[..(bytes.Length / 2)]);

        // Act
        InvalidModelWeightsException error = await Assert.ThrowsAsync<InvalidModelWeightsException>(() => TrainerTests.NewTrainer().TrainAsync(
            TrainerTests.TinyRequest(dataset.Images, epochs: 1) with { InitialWeights = initial }, Path.Combine(_root, "run")));

        // Assert
        Assert.Contains("expected SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_InitialWeightsOfAnotherArchitecture_ThrowsArgumentException()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 4);
        TrainingRequest request = TrainerTests.TinyRequest(dataset.Images, epochs: 1) with
        {
            InitialWeights = new InitialWeights(Path.Combine(_root, "w.pt"), NasNetConfig.Tiny(classes: 3)),
        };

        // Act
        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => TrainerTests.NewTrainer().TrainAsync(request, Path.Combine(_root, "run")));

        // Assert
        Assert.Contains("3 classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_ResumedRunWithInitialWeights_ContinuesFromTheCheckpointInstead()
    {
        // Arrange: one epoch checkpointed, then a request whose initial weights do not even exist.
        using ToyDataset dataset = new(perClass: 4);
        TrainingRequest request = TrainerTests.TinyRequest(dataset.Images, epochs: 2);
        string directory = Path.Combine(_root, "run");
        (await TrainerTests.NewTrainer().TrainAsync(request, directory, epochsToRunNow: 1)).Dispose();
        TrainingRequest withWeights = request with { InitialWeights = new InitialWeights(Path.Combine(_root, "missing.pt"), NasNetConfig.Tiny()) };

        // Act
        using TrainingOutcome resumed = await TrainerTests.NewTrainer().TrainAsync(withWeights, directory, startFromCheckpoint: true);

        // Assert
        Assert.Equal(2, resumed.History.Count);
        Assert.Equal(TrainingStopReason.Completed, resumed.StopReason);
    }

    /// <summary>A tiny NASNet after a train-mode pass, so its BN running statistics are no longer the 0/1 defaults.</summary>
    internal static NasNet SourceModel(int seed)
    {
        manual_seed(seed);
        NasNet model = NasNet.Create(NasNetConfig.Tiny());
        using (no_grad())
        using (NewDisposeScope())
        {
            model.train();
            model.forward(rand(4, 3, 64, 64));
        }

        model.eval();
        return model;
    }

    /// <summary>Largest difference between two networks' eval-mode logits on the same seeded inputs.</summary>
    internal static double MaxDifference(NasNet a, NasNet b)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(99);
        Tensor input = rand(3, 3, 64, 64);
        a.eval();
        b.eval();
        return (a.forward(input) - b.forward(input)).abs().max().item<float>();
    }
}
