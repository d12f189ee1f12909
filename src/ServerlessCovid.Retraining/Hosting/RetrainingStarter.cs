using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Hosting;

/// <summary>What a start request did: started a run, or skipped because one is already pending or running.</summary>
public sealed record RetrainingStartResult(string InstanceId, bool Started, OrchestrationRuntimeStatus? ExistingStatus, string Message);

/// <summary>
/// Starts the orchestration under its fixed instance id (timer, admin HTTP and CLI all come through here), so two
/// runs never overlap: a pending or running instance means skip, logged. A finished instance is replaced.
/// </summary>
public sealed partial class RetrainingStarter(IOptions<RetrainingOptions> options, ILogger<RetrainingStarter> logger)
{
    public async Task<RetrainingStartResult> StartAsync(
        DurableTaskClient client, string trigger, RetrainingSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        string instanceId = RetrainingOrchestrator.SingletonInstanceId;
        OrchestrationMetadata? existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken)
            .ConfigureAwait(false);
        if (existing is { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended })
        {
            LogSkipped(logger, trigger, instanceId, existing.RuntimeStatus);
            return new RetrainingStartResult(
                instanceId, false, existing.RuntimeStatus,
                $"A retraining run is already {existing.RuntimeStatus.ToString().ToLowerInvariant()} (instance '{instanceId}'); not starting another.");
        }

        if (existing is not null)
        {
            // The in-process backend refuses to reuse an id; Azure Storage would replace it. Purging first works for both.
            await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken).ConfigureAwait(false);
        }

        RetrainingRequest request = new(trigger, settings ?? RetrainingSettings.From(options.Value));
        await client.ScheduleNewOrchestrationInstanceAsync(
            nameof(RetrainingOrchestrator), request, new StartOrchestrationOptions(instanceId), cancellationToken).ConfigureAwait(false);
        LogStarted(logger, trigger, instanceId);
        return new RetrainingStartResult(instanceId, true, existing?.RuntimeStatus, $"Retraining started (instance '{instanceId}').");
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Retraining start ({Trigger}) skipped: instance {InstanceId} is already {Status}")]
    private static partial void LogSkipped(ILogger logger, string trigger, string instanceId, OrchestrationRuntimeStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining started ({Trigger}) as instance {InstanceId}")]
    private static partial void LogStarted(ILogger logger, string trigger, string instanceId);
}
