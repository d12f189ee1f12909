using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using Xunit.Abstractions;

namespace ServerlessCovid.Training.Tests.Training;

/// <summary>
/// The other half of the synthetic generator's contract (issue 6): where global statistics stay at chance
/// (<c>SyntheticShortcutTests</c> in Core.Tests), the findings are learnable by the tiny NASNet itself, trained
/// from scratch with the tiny preset's recipe. Smaller images and input size than <c>covid synth</c> + <c>covid train
/// --preset tiny</c> so it runs in seconds; the closing note reports the full-size run.
/// </summary>
public sealed class SyntheticLearnabilityTests(ITestOutputHelper output) : IDisposable
{
    private const int Images = 640;

    private const int GeneratedSize = 192;

    private const int TrainedSize = 128;

    private const int Epochs = 10;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-learn-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task TrainAsync_TinyNasNetOnSyntheticXrays_ValidationAccuracyClearlyAboveChance()
    {
        // Arrange
        TorchRuntime.EnsureInitialized();
        SyntheticXrayGenerator.WriteDataset(_directory, count: Images, seed: 7, size: GeneratedSize);
        TrainingRequest request = TrainingPresets.Get(TrainingPresets.Tiny) with
        {
            Images = ImageFolderDataset.Load(_directory),
            Epochs = Epochs,
            ImageSize = TrainedSize,
        };

        // Act
        using TrainingOutcome outcome = await TrainerTests.NewTrainer().TrainAsync(request, Path.Combine(_directory, "run"));

        // Assert
        foreach (EpochMetrics epoch in outcome.History)
        {
            output.WriteLine($"epoch {epoch.Epoch}: loss {epoch.TrainLoss:F3} acc {epoch.TrainAccuracy:F3} | val loss {epoch.ValidationLoss:F3} val acc {epoch.ValidationAccuracy:F3}");
        }

        Assert.Equal(TrainingStopReason.Completed, outcome.StopReason);
        Assert.True(outcome.History[^1].ValidationAccuracy >= 0.7, $"validation accuracy {outcome.History[^1].ValidationAccuracy:F3} on {outcome.Split.Validation.Count} images");
    }
}
