using ServerlessCovid.Core.Observability;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Runs;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Writes the run record (the orchestrator itself may not do I/O). The final record also counts the run by outcome
/// and records its stage durations: metrics are I/O too, and an activity runs once per decision where the orchestrator
/// replays; the stage seconds come from the orchestration clock, so they are the same on any replay.
/// </summary>
public sealed class RecordRunActivity(RetrainingRunStore runs, TriageMetrics metrics) : RetrainingActivity<RetrainingRunRecord, bool>
{
    public override async Task<bool> ExecuteAsync(RetrainingRunRecord input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await runs.UpsertAsync(input, cancellationToken).ConfigureAwait(false);
        if (input.Status != RetrainingStatus.Running)
        {
            metrics.RecordRetrainingRun(input.Status.ToString().ToLowerInvariant(), input.StageSeconds);
        }

        return true;
    }
}
