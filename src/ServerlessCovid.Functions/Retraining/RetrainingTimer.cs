using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessCovid.Retraining.Hosting;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>
/// Starts the scheduled retraining (NCRONTAB from the <c>Retraining:Schedule</c> app setting, default Sundays 03:00
/// UTC). The run has a fixed instance id, so a run still going when the next tick comes is skipped, not doubled.
/// </summary>
public sealed class RetrainingTimer(RetrainingStarter starter)
{
    [Function(nameof(RetrainingTimer))]
    public async Task RunAsync(
        [TimerTrigger("%Retraining:Schedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await starter.StartAsync(client, "timer", cancellationToken: context.CancellationToken).ConfigureAwait(false);
    }
}
