using System.Net;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using ServerlessCovid.Retraining.Hosting;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>
/// <c>POST /api/retraining</c> (function or master key) starts a run on demand and answers with the Durable status
/// URLs (202), or 409 with the same URLs when a run is already pending or running.
/// </summary>
public sealed class StartRetraining(RetrainingStarter starter)
{
    [Function(nameof(StartRetraining))]
    public async Task<HttpResponseData> StartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "retraining")] HttpRequestData request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RetrainingStartResult result = await starter.StartAsync(client, "http", cancellationToken: context.CancellationToken)
            .ConfigureAwait(false);
        if (result.Started)
        {
            return await client.CreateCheckStatusResponseAsync(request, result.InstanceId, context.CancellationToken).ConfigureAwait(false);
        }

        HttpResponseData conflict = request.CreateResponse(HttpStatusCode.Conflict);
        await conflict.WriteAsJsonAsync(
            new
            {
                code = "retraining_already_running",
                detail = result.Message,
                status = result.ExistingStatus?.ToString(),
                urls = client.CreateHttpManagementPayload(result.InstanceId, request),
            },
            context.CancellationToken).ConfigureAwait(false);
        conflict.StatusCode = HttpStatusCode.Conflict;
        return conflict;
    }
}
