using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training.Tests.Training;

[Collection(TorchGlobalRandomCollectionDefinition.Name)]
public sealed class TrainerTests : IDisposable
{
    private readonly List<string> _directories = [];

    public TrainerTests() => TorchRuntime.EnsureInitialized();

    internal static Trainer NewTrainer() => new(new XrayPreprocessorImageLoader(), NullLogger<Trainer>.Instance);

    /// <summary>Tiny network at 64×64 so a run takes seconds; the recipe is the tiny preset's.</summary>
    internal static TrainingRequest TinyRequest(IReadOnlyList<LabelledImage> images, int epochs) =>
        TrainingPresets.Get(TrainingPresets.Tiny) with { Images = images, Epochs = epochs, ImageSize = 64, Seed = 11 };

    public void Dispose()
    {
        foreach (string directory in _directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TrainAsync_LearnableToyProblem_LossGoesDownAndValidationLearns()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 20);
        List<TrainingProgress> reports = [];

        // Act
        using TrainingOutcome outcome = await NewTrainer().TrainAsync(
            TinyRequest(dataset.Images, epochs: 6), NewDirectory(), progress: new SynchronousProgress(reports));

        // Assert
        Assert.Equal(TrainingStopReason.Completed, outcome.StopReason);
        Assert.Equal(6, outcome.History.Count);
        Assert.True(outcome.History[^1].TrainLoss < outcome.History[0].TrainLoss, Describe(outcome));
        Assert.True(outcome.History[^1].ValidationAccuracy >= 0.8, Describe(outcome));
        Assert.Equal(6, reports.Count(r => r.Phase == "epoch"));
        Assert.Contains(reports, r => r.Phase == "train" && r.BatchLoss is not null);
    }

    [Fact]
    public async Task TrainAsync_KerasBatchNormMomentumWithPreciseBatchNorm_EvalModeMatchesTrainModeOnTrainingSet()
    {
        // Arrange: the paper's BN momentum (0.9997) leaves running statistics near 0/1 after a few updates.
        using ToyDataset dataset = new(perClass: 20, seed: 5);
        TrainingRequest request = TinyRequest(dataset.Images, epochs: 8) with { BatchNormMomentum = 0.0003 };

        // Act
        using TrainingOutcome outcome = await NewTrainer().TrainAsync(request, NewDirectory());
        using TrainingData training = TrainingData.Load(outcome.Split.Training, new XrayPreprocessorImageLoader(), 64);
        Trainer.Metrics evalMode = Trainer.Evaluate(outcome.Model, training.Images, training.Labels, 8);
        Trainer.Metrics trainMode = Trainer.Evaluate(outcome.Model, training.Images, training.Labels, 8, batchStatistics: true);

        // Assert
        Assert.True(trainMode.Accuracy >= 0.8, $"train-mode accuracy {trainMode.Accuracy}, eval-mode {evalMode.Accuracy}");
        Assert.True(Math.Abs(evalMode.Accuracy - trainMode.Accuracy) <= 0.1, $"eval {evalMode.Accuracy} vs train {trainMode.Accuracy}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrainAsync_ResumedInChunks_EqualsUninterruptedRun(bool augmented)
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 10, seed: 9);
        TrainingRequest request = TinyRequest(dataset.Images, epochs: 3) with
        {
            Augmentation = augmented ? new TrainingAugmentation { MaxShiftFraction = 0.1, HorizontalFlip = true } : TrainingAugmentation.None,
        };
        string uninterrupted = NewDirectory();
        string chunked = NewDirectory();

        // Act
        using TrainingOutcome full = await NewTrainer().TrainAsync(request, uninterrupted);
        using (TrainingOutcome first = await NewTrainer().TrainAsync(request, chunked, startFromCheckpoint: true, epochsToRunNow: 1))
        {
            Assert.Equal(TrainingStopReason.ChunkDone, first.StopReason);
            Assert.Single(first.History);
        }

        using TrainingOutcome resumed = await NewTrainer().TrainAsync(request, chunked, startFromCheckpoint: true);

        // Assert
        Assert.Equal(TrainingStopReason.Completed, resumed.StopReason);
        Assert.Equal(full.History.Select(h => h.Epoch), resumed.History.Select(h => h.Epoch));
        Assert.Equal(full.Split.Validation.Select(i => i.Path), resumed.Split.Validation.Select(i => i.Path));
        for (int i = 0; i < full.History.Count; i++)
        {
            Assert.Equal(full.History[i].TrainLoss, resumed.History[i].TrainLoss, 3);
            Assert.Equal(full.History[i].ValidationLoss, resumed.History[i].ValidationLoss, 3);
        }

        Assert.Equal(3, TrainingCheckpoint.ReadState(chunked).EpochsCompleted);
    }

    [Fact]
    public async Task TrainAsync_ResumeFromCorruptedWeights_ThrowsCheckpointCorrupt()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 6);
        TrainingRequest request = TinyRequest(dataset.Images, epochs: 2);
        string directory = NewDirectory();
        (await NewTrainer().TrainAsync(request, directory, epochsToRunNow: 1)).Dispose();
        string weights = Path.Combine(directory, TrainingCheckpoint.ModelFileName);
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);

        // Act
        CheckpointCorruptException error = await Assert.ThrowsAsync<CheckpointCorruptException>(
            () => NewTrainer().TrainAsync(request, directory, startFromCheckpoint: true));

        // Assert
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Contains(TrainingCheckpoint.ModelFileName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadState_MalformedCheckpointJson_ThrowsCheckpointCorrupt()
    {
        // Arrange
        string directory = NewDirectory();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, TrainingCheckpoint.StateFileName), "{ \"epochsCompleted\": ");

        // Act + Assert
        CheckpointCorruptException error = Assert.Throws<CheckpointCorruptException>(() => TrainingCheckpoint.ReadState(directory));
        Assert.Contains("not a valid checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_ExhaustedTimeBudget_StopsWithoutFinishingAnEpoch()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 6);
        TrainingRequest request = TinyRequest(dataset.Images, epochs: 2) with { TimeBudget = TimeSpan.Zero };

        // Act
        using TrainingOutcome outcome = await NewTrainer().TrainAsync(request, NewDirectory());

        // Assert
        Assert.Equal(TrainingStopReason.TimeBudget, outcome.StopReason);
        Assert.Empty(outcome.History);
    }

    [Fact]
    public async Task TrainAsync_Cancelled_ThrowsOperationCanceled()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 6);
        using CancellationTokenSource cancellation = new();
        await cancellation.CancelAsync();

        // Act + Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => NewTrainer().TrainAsync(TinyRequest(dataset.Images, 1), NewDirectory(), cancellationToken: cancellation.Token));
    }

    [Fact]
    public void Get_PaperPreset_IsKerasDefaults()
    {
        // Act
        TrainingRequest paper = TrainingPresets.Get(TrainingPresets.Paper);

        // Assert
        Assert.Equal(NasNetConfig.Mobile(), paper.Architecture);
        Assert.Equal((10, 32, 0.01, 0.0, 0.0003), (paper.Epochs, paper.BatchSize, paper.LearningRate, paper.Momentum, paper.BatchNormMomentum));
        Assert.Equal(LearningRateSchedule.Constant, paper.Schedule);
    }

    private static string Describe(TrainingOutcome outcome) =>
        string.Join("; ", outcome.History.Select(h => $"{h.Epoch}: loss {h.TrainLoss:F3} acc {h.TrainAccuracy:F2} val {h.ValidationAccuracy:F2}"));

    private string NewDirectory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "sc-ckpt-" + Guid.NewGuid().ToString("N"));
        _directories.Add(directory);
        return directory;
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports in order and complete.</summary>
    private sealed class SynchronousProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
