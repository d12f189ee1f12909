using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Training;

namespace ServerlessCovid.Retraining.Tests.Support;

/// <summary>
/// The real trainer, except that the first attempt dies (like a killed instance) right after the checkpoint of
/// <c>crashAfterEpoch</c> has been uploaded. Records which epochs were really trained, to prove none ran twice.
/// </summary>
public sealed class CrashOnceTrainer(IChallengerTrainer inner, int crashAfterEpoch) : IChallengerTrainer
{
    private int _attempts;
    private bool _crashed;

    public int Attempts => _attempts;

    public List<int> EpochsTrained { get; } = [];

    public int ResolveEpochs(string preset, int? epochs) => inner.ResolveEpochs(preset, epochs);

    public int LastCompletedEpoch(string checkpointDirectory) => inner.LastCompletedEpoch(checkpointDirectory);

    public IReadOnlyList<EpochMetrics> ReadHistory(string checkpointDirectory) => inner.ReadHistory(checkpointDirectory);

    public Task<ModelPackage> ExportAsync(ChallengerExportJob job, CancellationToken cancellationToken) => inner.ExportAsync(job, cancellationToken);

    public Task<IReadOnlyList<EpochMetrics>> TrainAsync(
        ChallengerTrainingJob job, Func<EpochMetrics, CancellationToken, Task> checkpointSaved, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        return inner.TrainAsync(
            job,
            async (epoch, ct) =>
            {
                EpochsTrained.Add(epoch.Epoch);
                await checkpointSaved(epoch, ct);
                if (!_crashed && epoch.Epoch == crashAfterEpoch)
                {
                    _crashed = true;
                    throw new IOException($"Simulated instance loss after epoch {epoch.Epoch}.");
                }
            },
            cancellationToken);
    }
}
