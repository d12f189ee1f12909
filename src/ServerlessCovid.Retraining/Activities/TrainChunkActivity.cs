using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Training;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Trains up to <see cref="TrainChunkInput.TargetEpoch"/>, resuming from the run's last checkpoint in blob storage
/// and uploading a checkpoint after every epoch: a crash, a redeployment or a plan time limit costs at most the
/// epoch in progress. Idempotent: a retry after the target was reached returns at once.
/// </summary>
public sealed partial class TrainChunkActivity(
    IChallengerTrainer trainer,
    ILabelledImageSource source,
    RetrainingWorkspace workspace,
    ILogger<TrainChunkActivity> logger,
    InProcessActivityCancellation? inProcess = null) : RetrainingActivity<TrainChunkInput, TrainChunkResult>(inProcess)
{
    public override async Task<TrainChunkResult> ExecuteAsync(TrainChunkInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        Stopwatch stopwatch = Stopwatch.StartNew();
        DatasetManifest manifest = await workspace.ReadManifestAsync(input.Dataset.ManifestBlob, cancellationToken).ConfigureAwait(false);
        MaterializedDataset dataset = await workspace.MaterializeAsync(manifest, source, cancellationToken).ConfigureAwait(false);

        // The blob copy is the truth; a local folder may hold a newer, never-uploaded epoch of a crashed attempt.
        string checkpoints = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "checkpoints"));
        string prefix = RetrainingWorkspace.CheckpointPrefix(input.RunId);
        await workspace.DownloadPrefixAsync(prefix, checkpoints, cancellationToken).ConfigureAwait(false);
        int resumedAfter = trainer.LastCompletedEpoch(checkpoints);
        int total = trainer.ResolveEpochs(input.Settings.Preset, input.Settings.Epochs);
        LogChunkStarting(logger, input.RunId, resumedAfter, input.TargetEpoch, total);
        if (resumedAfter >= input.TargetEpoch)
        {
            return new TrainChunkResult(resumedAfter, resumedAfter, total, [], stopwatch.Elapsed.TotalSeconds);
        }

        ChallengerTrainingJob job = new(
            dataset, checkpoints, input.Settings.Preset, total, input.TargetEpoch, input.Settings.Seed, input.Settings.LearningRate)
        {
            InitialWeights = resumedAfter == 0 ? await DownloadInitialWeightsAsync(input, cancellationToken).ConfigureAwait(false) : null,
        };
        IReadOnlyList<EpochMetrics> history = await trainer.TrainAsync(
            job,
            async (epoch, ct) =>
            {
                await workspace.UploadDirectoryAsync(checkpoints, prefix, ct).ConfigureAwait(false);
                LogCheckpointUploaded(logger, input.RunId, epoch.Epoch, epoch.ValidationAccuracy);
            },
            cancellationToken).ConfigureAwait(false);
        return new TrainChunkResult(resumedAfter, trainer.LastCompletedEpoch(checkpoints), total, history, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>The run's pinned copy of the champion's weights (see <see cref="ResolveInitialWeightsActivity"/>); null: random.</summary>
    private async Task<ChallengerInitialWeights?> DownloadInitialWeightsAsync(TrainChunkInput input, CancellationToken cancellationToken)
    {
        if (input.InitialWeights is not { WeightsBlob: not null, Sha256: { } sha256 } choice)
        {
            return null;
        }

        string directory = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "initial-weights"));
        await workspace.DownloadPrefixAsync(RetrainingWorkspace.InitialWeightsPrefix(input.RunId), directory, cancellationToken).ConfigureAwait(false);
        return new ChallengerInitialWeights(Path.Combine(directory, ModelManifest.WeightsFileName), sha256, choice.Description);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Run {RunId}: training chunk resumes after epoch {ResumedAfter}, target epoch {Target} of {Total}")]
    private static partial void LogChunkStarting(ILogger logger, string runId, int resumedAfter, int target, int total);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Run {RunId}: checkpoint of epoch {Epoch} uploaded (validation accuracy {ValidationAccuracy:F3})")]
    private static partial void LogCheckpointUploaded(ILogger logger, string runId, int epoch, double validationAccuracy);
}
