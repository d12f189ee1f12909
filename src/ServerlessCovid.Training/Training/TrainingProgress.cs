using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;

namespace ServerlessCovid.Training.Training;

/// <summary>Where training stands: reported after every batch (Phase "train") and every finished epoch ("epoch").</summary>
public sealed record TrainingProgress(string Phase, int Epoch, int Epochs, int Step, int StepsPerEpoch, double? BatchLoss, EpochMetrics? Metrics);

public enum TrainingStopReason
{
    /// <summary>All requested epochs are done.</summary>
    Completed,

    /// <summary>This call ran the epochs it was asked to run now; more remain (resume to continue).</summary>
    ChunkDone,

    /// <summary>The time budget ran out; the last finished epoch is checkpointed.</summary>
    TimeBudget,
}

/// <summary>The result of <see cref="Trainer.TrainAsync"/>; owns the trained model.</summary>
public sealed class TrainingOutcome(
    NasNet model,
    TrainingRequest request,
    DatasetSplit split,
    IReadOnlyList<EpochMetrics> history,
    TrainingStopReason stopReason,
    double trainingSeconds) : IDisposable
{
    /// <summary>The model after the last finished epoch (BN statistics recomputed when the request asks for it).</summary>
    public NasNet Model { get; } = model;

    public TrainingRequest Request { get; } = request;

    public DatasetSplit Split { get; } = split;

    public IReadOnlyList<EpochMetrics> History { get; } = history;

    public int EpochsCompleted => History.Count;

    public bool IsComplete => StopReason == TrainingStopReason.Completed;

    public TrainingStopReason StopReason { get; } = stopReason;

    /// <summary>Wall time spent training, over all calls that built this checkpoint.</summary>
    public double TrainingSeconds { get; } = trainingSeconds;

    public void Dispose() => Model.Dispose();
}
