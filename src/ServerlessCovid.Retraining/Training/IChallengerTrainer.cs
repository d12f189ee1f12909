using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Training;

/// <summary>One resumable stretch of training: from whatever checkpoint is in the folder up to <see cref="TargetEpoch"/>.</summary>
public sealed record ChallengerTrainingJob(
    MaterializedDataset Dataset,
    string CheckpointDirectory,
    string Preset,
    int TotalEpochs,
    int TargetEpoch,
    int Seed,
    double? LearningRate)
{
    /// <summary>Weights of the preset's architecture to start from when there is no checkpoint yet; null: random.</summary>
    public ChallengerInitialWeights? InitialWeights { get; init; }
}

/// <summary>A local weights file (TorchSharp state dict), its expected SHA-256, and where it came from.</summary>
public sealed record ChallengerInitialWeights(string Path, string Sha256, string Source);

/// <summary>Export of the checkpoint in <see cref="CheckpointDirectory"/> to a model package in <see cref="OutputDirectory"/>.</summary>
public sealed record ChallengerExportJob(
    MaterializedDataset Dataset,
    string CheckpointDirectory,
    string Preset,
    string Version,
    int Seed,
    string OutputDirectory,
    string DatasetManifestBlob);

/// <summary>
/// The training engine behind the Train and Export activities (TorchSharp NASNet from ServerlessCovid.Training).
/// Contract: checkpoints live only in <see cref="ChallengerTrainingJob.CheckpointDirectory"/>, which the activity
/// syncs with blob storage, so any machine can resume any run.
/// </summary>
public interface IChallengerTrainer
{
    /// <summary>Total epochs of a preset when the settings do not override them.</summary>
    int ResolveEpochs(string preset, int? epochs);

    /// <summary>Last epoch completed by the checkpoint in <paramref name="checkpointDirectory"/>, 0 when there is none.</summary>
    int LastCompletedEpoch(string checkpointDirectory);

    /// <summary>
    /// Resumes from the folder's checkpoint (or starts) and trains up to the target epoch, checkpointing after each
    /// epoch and then awaiting <paramref name="checkpointSaved"/> (which uploads it) before the next epoch starts.
    /// </summary>
    Task<IReadOnlyList<EpochMetrics>> TrainAsync(
        ChallengerTrainingJob job, Func<EpochMetrics, CancellationToken, Task> checkpointSaved, CancellationToken cancellationToken);

    /// <summary>Exports ONNX, proves parity, writes the package; parity failure is a <see cref="PermanentRetrainingException"/>.</summary>
    Task<ModelPackage> ExportAsync(ChallengerExportJob job, CancellationToken cancellationToken);

    /// <summary>The full per-epoch history recorded in the checkpoint (for the report's training curves).</summary>
    IReadOnlyList<EpochMetrics> ReadHistory(string checkpointDirectory);
}
