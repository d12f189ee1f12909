using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Training;

namespace ServerlessCovid.Retraining.Tests.Support;

/// <summary>A trainer whose training never ends on its own: it waits on its cancellation token, like a long epoch.</summary>
public sealed class BlockingTrainer : IChallengerTrainer
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Started => _started.Task;

    /// <summary>Completes when a training call observed its token's cancellation.</summary>
    public Task Cancelled => _cancelled.Task;

    public int ResolveEpochs(string preset, int? epochs) => epochs ?? 1;

    public int LastCompletedEpoch(string checkpointDirectory) => 0;

    public IReadOnlyList<EpochMetrics> ReadHistory(string checkpointDirectory) => [];

    public Task<ModelPackage> ExportAsync(ChallengerExportJob job, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Training never finishes, so nothing is exported.");

    public async Task<IReadOnlyList<EpochMetrics>> TrainAsync(
        ChallengerTrainingJob job, Func<EpochMetrics, CancellationToken, Task> checkpointSaved, CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _cancelled.TrySetResult();
            throw;
        }

        return [];
    }
}
