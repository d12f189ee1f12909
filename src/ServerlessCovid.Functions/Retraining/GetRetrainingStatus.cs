using System.Net;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>
/// <c>GET /api/retraining/{instanceId}</c> (function key): the runtime status, the orchestrator's progress (stage,
/// epochs done of total) and, once finished, the outcome (published, rejected, stopped or failed, with the reason).
/// </summary>
public sealed partial class GetRetrainingStatus(ILogger<GetRetrainingStatus> logger)
{
    [Function(nameof(GetRetrainingStatus))]

    public async Task<HttpResponseData> GetStatusAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "retraining/{instanceId}")] HttpRequestData request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        OrchestrationMetadata? instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, context.CancellationToken)
            .ConfigureAwait(false);
        if (instance is null)
        {
            LogNotFound(logger, instanceId);
            HttpResponseData notFound = request.CreateResponse(HttpStatusCode.NotFound);
            await notFound.WriteAsJsonAsync(
                new { code = "retraining_not_found", detail = $"No retraining instance '{instanceId}'." }, context.CancellationToken)
                .ConfigureAwait(false);
            notFound.StatusCode = HttpStatusCode.NotFound;
            return notFound;
        }

        HttpResponseData response = request.CreateResponse(HttpStatusCode.OK);
        await response.WriteAsJsonAsync(
            new
            {
                instanceId = instance.InstanceId,
                runtimeStatus = instance.RuntimeStatus.ToString(),
                createdUtc = instance.CreatedAt,
                lastUpdatedUtc = instance.LastUpdatedAt,
                progress = instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<RetrainingProgress>(),
                outcome = instance.IsCompleted && instance.SerializedOutput is not null ? instance.ReadOutputAs<RetrainingOutcome>() : null,
                failure = instance.FailureDetails?.ErrorMessage,
                disclaimer = Disclaimers.ResearchOnly,
            },
            context.CancellationToken).ConfigureAwait(false);
        return response;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining status asked for unknown instance {InstanceId}")]
    private static partial void LogNotFound(ILogger logger, string instanceId);
}
