using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using Xunit.Abstractions;

namespace ServerlessCovid.Training.Tests.Training;

/// <summary>
/// The full NASNet-A Mobile (not the tiny one) must be able to memorise a handful of synthetic x-rays. Shape, parity and
/// parameter-count tests all passed while a broken initialiser left every plain conv with identical units, and the tiny
/// network still learned: only training the real architecture shows whether it can learn at all. 96 px keeps it to
/// seconds on 2 cores; the 256 px behaviour is measured by <c>covid bench learn</c>.
/// </summary>
public sealed class FullNetworkMemorisationTests(ITestOutputHelper output) : IDisposable
{
    private const double LossBound = 0.25;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-memorise-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task TrainAsync_FullNasNetOnSixteenImages_TrainingLossFallsBelowBound()
    {
        // Arrange: 16 training images (8 per class, 4 held out), two batches of 8 per epoch, the learn preset's recipe.
        TorchRuntime.EnsureInitialized();
        SyntheticXrayGenerator.WriteDataset(_directory, count: 20, seed: 3, size: 128);
        TrainingRequest request = TrainingPresets.Get(TrainingPresets.Learn) with
        {
            Images = ImageFolderDataset.Load(_directory),
            ValidationFraction = 0.2,
            Epochs = 20,
            WarmupEpochs = 0,
            ImageSize = 96,
            Seed = 5,
        };
        Assert.Equal(NasNetConfig.Mobile(), request.Architecture);

        // Act
        using TrainingOutcome outcome = await TrainerTests.NewTrainer().TrainAsync(request, Path.Combine(_directory, "run"));

        // Assert
        foreach (EpochMetrics epoch in outcome.History)
        {
            output.WriteLine($"epoch {epoch.Epoch}: train loss {epoch.TrainLoss:F3} acc {epoch.TrainAccuracy:F3}");
        }

        Assert.Equal(16, outcome.Split.Training.Count);
        double best = outcome.History.Min(e => e.TrainLoss);
        Assert.True(best < LossBound, $"best training loss {best:F3} ≥ {LossBound} after {outcome.History.Count} epochs: the full network does not learn");
        Assert.Equal(1.0, outcome.History[^1].TrainAccuracy);
    }
}
