using ServerlessCovid.Retraining.Runs;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>Writes the run record (the orchestrator itself may not do I/O).</summary>
public sealed class RecordRunActivity(RetrainingRunStore runs) : RetrainingActivity<RetrainingRunRecord, bool>
{
    public override async Task<bool> ExecuteAsync(RetrainingRunRecord input, CancellationToken cancellationToken)
    {
        await runs.UpsertAsync(input, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
