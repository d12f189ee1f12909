using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>What <c>GET /api/retraining/{instanceId}</c> answers.</summary>
public sealed record RetrainingStatusResponse(
    string InstanceId,
    string RuntimeStatus,
    DateTimeOffset CreatedUtc,
    DateTimeOffset LastUpdatedUtc,
    RetrainingProgress? Progress,
    RetrainingOutcome? Outcome,
    string? Failure,
    string Disclaimer);

/// <summary>
/// <c>GET /api/retraining/{instanceId}</c> (function key): the runtime status, the orchestrator's progress (stage,
/// epochs done of total) and, once finished, the outcome (published, rejected or stopped, with the reason) or the
/// failure. 404 <c>not_found</c> for an unknown instance.
/// </summary>
public sealed partial class GetRetrainingStatus(ILogger<GetRetrainingStatus> logger)
{
    [Function(nameof(GetRetrainingStatus))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "retraining/{instanceId}")] HttpRequest request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        OrchestrationMetadata? instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken)
            .ConfigureAwait(false);
        if (instance is null)
        {
            LogNotFound(logger, instanceId);
            return Problems.NotFound($"No retraining instance '{instanceId}'.");
        }

        return new JsonResponse(new RetrainingStatusResponse(
            instance.InstanceId,
            instance.RuntimeStatus.ToString(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<RetrainingProgress>(),
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed && instance.SerializedOutput is not null
                ? instance.ReadOutputAs<RetrainingOutcome>()
                : null,
            instance.FailureDetails?.ErrorMessage,
            Disclaimers.ResearchOnly));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining status asked for unknown instance {InstanceId}")]
    private static partial void LogNotFound(ILogger logger, string instanceId);
}
