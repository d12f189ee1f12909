using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Training;

namespace ServerlessCovid.Retraining.Tests.Support;

/// <summary>The real trainer whose export always fails parity, a failure retrying cannot fix.</summary>
public sealed class FailingExportTrainer(IChallengerTrainer inner) : IChallengerTrainer
{
    private int _exportAttempts;

    public int ExportAttempts => _exportAttempts;

    public int ResolveEpochs(string preset, int? epochs) => inner.ResolveEpochs(preset, epochs);

    public int LastCompletedEpoch(string checkpointDirectory) => inner.LastCompletedEpoch(checkpointDirectory);

    public IReadOnlyList<EpochMetrics> ReadHistory(string checkpointDirectory) => inner.ReadHistory(checkpointDirectory);

    public Task<IReadOnlyList<EpochMetrics>> TrainAsync(
        ChallengerTrainingJob job, Func<EpochMetrics, CancellationToken, Task> checkpointSaved, CancellationToken cancellationToken) =>
        inner.TrainAsync(job, checkpointSaved, cancellationToken);

    public Task<ModelPackage> ExportAsync(ChallengerExportJob job, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _exportAttempts);
        throw new PermanentRetrainingException($"ONNX parity failed for {job.Version}: max difference 0.3 > 1e-4 (simulated).");
    }
}
