using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Triage;

/// <summary>
/// Timer (NCRONTAB from the <c>Triage:ReconcileSchedule</c> app setting, default every 5 minutes) that runs one
/// bounded <see cref="ResultReconciler"/> pass: blobs the blob trigger never saw get their row, and pending rows are
/// scored once a model is served. The host runs a timer as a singleton, so two passes never overlap.
/// </summary>
public sealed class ReconcileXrays(ResultReconciler reconciler)
{
    [Function(nameof(ReconcileXrays))]
    public async Task Run([TimerTrigger("%Triage:ReconcileSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        await reconciler.RunAsync(hospital: null, cancellationToken).ConfigureAwait(false);
}
