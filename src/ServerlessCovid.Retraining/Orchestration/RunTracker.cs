using Microsoft.DurableTask;
using ServerlessCovid.Retraining.Activities;
using ServerlessCovid.Retraining.Runs;

namespace ServerlessCovid.Retraining.Orchestration;

/// <summary>
/// The orchestrator's view of its run record and progress: stage timings from the orchestration clock, custom
/// status for the progress endpoint, and writes through <see cref="RecordRunActivity"/>. Replay-safe because it
/// only reads <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>.
/// </summary>
internal sealed class RunTracker(TaskOrchestrationContext context, RetrainingRunRecord initial)
{
    private readonly Dictionary<string, double> _stageSeconds = [];
    private DateTime _stageStarted = context.CurrentUtcDateTime;
    private RetrainingRunRecord _record = initial;

    public RetrainingRunRecord Record => _record with { StageSeconds = new Dictionary<string, double>(_stageSeconds) };

    public void Update(Func<RetrainingRunRecord, RetrainingRunRecord> change) => _record = change(_record);

    public void Progress(string stage, int epochsCompleted = 0, int epochsTotal = 0)
    {
        _record = _record with { Stage = stage };
        context.SetCustomStatus(new RetrainingProgress(_record.RunId, stage, epochsCompleted, epochsTotal, null));
    }

    public void StageDone(string stage)
    {
        DateTime now = context.CurrentUtcDateTime;
        _stageSeconds[stage] = (now - _stageStarted).TotalSeconds;
        _stageStarted = now;
    }

    public Task SaveAsync(string stage, TaskOptions retry)
    {
        Progress(stage);
        return context.CallActivityAsync<bool>(nameof(RecordRunActivity), Record, retry);
    }

    public async Task<RetrainingOutcome> FinishAsync(RetrainingStatus status, string reason, TaskOptions retry)
    {
        _record = _record with { Status = status, Reason = reason, CompletedUtc = context.CurrentUtcDateTime };
        RetrainingRunRecord record = Record;
        context.SetCustomStatus(new RetrainingProgress(record.RunId, RetrainingStages.Done, record.EpochsCompleted, record.EpochsCompleted, reason));
        await context.CallActivityAsync<bool>(nameof(RecordRunActivity), record, retry).ConfigureAwait(true);
        return new RetrainingOutcome(
            record.RunId, status, reason, record.PublishedVersion, record.CandidateVersion, record.Challenger, record.Champion);
    }
}
