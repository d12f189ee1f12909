using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Retraining.Activities;
using ServerlessCovid.Retraining.Runs;

namespace ServerlessCovid.Retraining.Orchestration;

/// <summary>
/// Snapshot → split → choose initial weights (champion's or random) → train in resumable chunks → export + parity →
/// evaluate → score champion → decide (publish floor, then champion) → publish or reject, leaving a run record either way. It only decides: all I/O is in activities, time comes from
/// <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/> and ids from <see cref="TaskOrchestrationContext.NewGuid"/>,
/// so replays take the same path. Nothing before the publish activity can touch <c>current.json</c>.
/// </summary>
public sealed partial class RetrainingOrchestrator : TaskOrchestrator<RetrainingRequest, RetrainingOutcome>
{
    /// <summary>The fixed instance id of scheduled and on-demand runs: at most one retraining at a time.</summary>
    public const string SingletonInstanceId = "serverlesscovid-retraining";

    public override async Task<RetrainingOutcome> RunAsync(TaskOrchestrationContext context, RetrainingRequest input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        ILogger logger = context.CreateReplaySafeLogger<RetrainingOrchestrator>();
        RetrainingSettings settings = input.Settings;
        DateTime started = context.CurrentUtcDateTime;
        string runId = string.Create(CultureInfo.InvariantCulture, $"{started:yyyyMMdd-HHmmss}-{context.NewGuid():N}")[..24];
        TaskOptions retry = RetryOptions(settings);
        RunTracker run = new(context, new RetrainingRunRecord
        {
            RunId = runId,
            InstanceId = context.InstanceId,
            Trigger = input.Trigger,
            Status = RetrainingStatus.Running,
            StartedUtc = started,
            Settings = settings,
        });
        LogRunStarted(logger, runId, input.Trigger);
        await run.SaveAsync(RetrainingStages.Snapshot, retry).ConfigureAwait(true);

        try
        {
            SnapshotResult snapshot = await context.CallActivityAsync<SnapshotResult>(
                nameof(SnapshotDatasetActivity), new SnapshotInput(runId, settings.MinImagesPerClass), retry).ConfigureAwait(true);
            run.StageDone(RetrainingStages.Snapshot);
            run.Update(r => r with { DatasetId = snapshot.Dataset.DatasetId, DatasetImages = snapshot.Dataset.Images });
            if (snapshot.InsufficientReason is { } insufficient)
            {
                LogRunStopped(logger, runId, insufficient);
                return await run.FinishAsync(RetrainingStatus.Stopped, insufficient, retry).ConfigureAwait(true);
            }

            SplitResult split = await context.CallActivityAsync<SplitResult>(
                nameof(SplitDatasetActivity),
                new SplitInput(runId, snapshot.Dataset, settings.ValidationFraction, settings.Seed),
                retry).ConfigureAwait(true);
            run.StageDone(RetrainingStages.Split);
            run.Update(r => r with { TrainingImages = split.TrainingImages, ValidationImages = split.ValidationImages });
            if (PublishFloor.CheckValidationImages(split.ValidationPerClass, settings) is { } tooFew)
            {
                // No model trained on this split could be published: do not spend the training on it.
                string reason = $"Rejected before training: {tooFew}.";
                LogRejected(logger, runId, "(none trained)", reason);
                return await run.FinishAsync(RetrainingStatus.Rejected, reason, retry).ConfigureAwait(true);
            }

            InitialWeightsChoice initial = await context.CallActivityAsync<InitialWeightsChoice>(
                nameof(ResolveInitialWeightsActivity), new InitialWeightsInput(runId, settings.Preset, settings.WarmStart), retry).ConfigureAwait(true);
            run.Update(r => r with { InitialWeights = initial.Description });

            await TrainAsync(context, run, runId, split, settings, initial, retry).ConfigureAwait(true);

            run.Progress(RetrainingStages.Export);
            ExportResult export = await context.CallActivityAsync<ExportResult>(
                nameof(ExportChallengerActivity), new ExportInput(runId, split.Dataset, settings), retry).ConfigureAwait(true);
            run.StageDone(RetrainingStages.Export);
            run.Update(r => r with { CandidateVersion = export.CandidateVersion });

            run.Progress(RetrainingStages.Evaluate);
            ModelScore challenger = await context.CallActivityAsync<ModelScore>(
                nameof(EvaluateChallengerActivity), new EvaluateInput(runId, split.Dataset, export.CandidateVersion), retry).ConfigureAwait(true);
            run.StageDone(RetrainingStages.Evaluate);

            run.Progress(RetrainingStages.Compare);
            ChampionResult champion = await context.CallActivityAsync<ChampionResult>(
                nameof(ScoreChampionActivity), new ChampionInput(runId, split.Dataset), retry).ConfigureAwait(true);
            run.StageDone(RetrainingStages.Compare);
            run.Update(r => r with { Challenger = challenger, Champion = champion.Score, ChampionVersion = champion.Version });

            ChallengerDecision decision = ChallengerComparison.Decide(challenger, champion.Score, settings);
            if (!decision.Publish)
            {
                LogRejected(logger, runId, export.CandidateVersion, decision.Reason);
                return await run.FinishAsync(RetrainingStatus.Rejected, decision.Reason, retry).ConfigureAwait(true);
            }

            run.Progress(RetrainingStages.Publish);
            PublishResult published = await context.CallActivityAsync<PublishResult>(
                nameof(PublishChallengerActivity),
                new PublishInput(runId, export.CandidateVersion, champion.ETag, decision.Reason),
                retry).ConfigureAwait(true);
            run.StageDone(RetrainingStages.Publish);
            run.Update(r => r with { PublishedVersion = published.Version });
            LogPublished(logger, runId, published.Version);
            return await run.FinishAsync(RetrainingStatus.Published, decision.Reason, retry).ConfigureAwait(true);
        }
        catch (TaskFailedException ex)
        {
            string reason = $"{ex.TaskName} failed: {ex.FailureDetails.ErrorType}: {ex.FailureDetails.ErrorMessage}";
            LogRunFailed(logger, runId, reason);
            await run.FinishAsync(RetrainingStatus.Failed, reason, retry).ConfigureAwait(true);
            throw;
        }
    }

    private static async Task TrainAsync(
        TaskOrchestrationContext context,
        RunTracker run,
        string runId,
        SplitResult split,
        RetrainingSettings settings,
        InitialWeightsChoice initial,
        TaskOptions retry)
    {
        int completed = 0;
        int total = settings.Epochs ?? 0;
        List<TrainChunkResult> chunks = [];
        run.Progress(RetrainingStages.Train, completed, total);
        do
        {
            // The first chunk learns the preset's total from the trainer when the settings leave it open.
            int target = total == 0 ? settings.EpochsPerChunk : Math.Min(total, completed + settings.EpochsPerChunk);
            TrainChunkResult chunk = await context.CallActivityAsync<TrainChunkResult>(
                nameof(TrainChunkActivity), new TrainChunkInput(runId, split.Dataset, settings, target, initial), retry).ConfigureAwait(true);
            chunks.Add(chunk);
            total = chunk.TotalEpochs;
            completed = chunk.CompletedEpoch;
            run.Update(r => r with { EpochsCompleted = completed, Chunks = [.. chunks] });
            run.Progress(RetrainingStages.Train, completed, total);
        }
        while (completed < total);
        run.StageDone(RetrainingStages.Train);
    }

    private static TaskOptions RetryOptions(RetrainingSettings settings) =>
        TaskOptions.FromRetryPolicy(new RetryPolicy(
            maxNumberOfAttempts: settings.MaxAttempts,
            firstRetryInterval: TimeSpan.FromSeconds(settings.FirstRetrySeconds),
            backoffCoefficient: 2.0,
            maxRetryInterval: TimeSpan.FromMinutes(10))
        {
            // Bad data, failed parity or a publish conflict will fail the same way again: give up at once.
            HandleFailure = failure => !failure.IsCausedBy<PermanentRetrainingException>(),
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining run {RunId} started ({Trigger})")]
    private static partial void LogRunStarted(ILogger logger, string runId, string trigger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retraining run {RunId} stopped: {Reason}")]
    private static partial void LogRunStopped(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining run {RunId} rejected challenger {Version}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string runId, string version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining run {RunId} published {Version}")]
    private static partial void LogPublished(ILogger logger, string runId, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retraining run {RunId} failed; current model untouched: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string runId, string reason);
}
