using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Retraining.Hosting;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>What <c>POST /api/retraining</c> answers when it starts a run.</summary>
public sealed record RetrainingStartedResponse(string InstanceId, string StatusUrl, string Detail);

/// <summary>
/// <c>POST /api/retraining</c> (administrator) starts a run on demand: 202 with the project's own status URL
/// (<c>GET /api/retraining/{id}</c>) in the body and in <c>Location</c>, or 409 problem details with the same URL
/// when a run is already pending or running. It never returns the Durable runtime's webhook URLs: those carry the
/// extension's system key, which can terminate, purge or rewind any instance.
/// </summary>
public sealed class StartRetraining(RetrainingStarter starter)
{
    public const string AlreadyRunning = "retraining_already_running";

    [Function(nameof(StartRetraining))]
    public async Task<IActionResult> StartAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "retraining")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RetrainingStartResult result = await starter.StartAsync(client, "http", cancellationToken: cancellationToken).ConfigureAwait(false);
        string statusUrl = StatusUrl(result.InstanceId);
        if (result.Started)
        {
            JsonResponse accepted = new(new RetrainingStartedResponse(result.InstanceId, statusUrl, result.Message), StatusCodes.Status202Accepted);
            accepted.Headers["Location"] = statusUrl;
            return accepted;
        }

        JsonResponse conflict = Problems.Create(StatusCodes.Status409Conflict, AlreadyRunning, result.Message, new Dictionary<string, object?>
        {
            ["instanceId"] = result.InstanceId,
            ["runtimeStatus"] = result.ExistingStatus?.ToString(),
            ["statusUrl"] = statusUrl,
        });
        conflict.Headers["Location"] = statusUrl;
        return conflict;
    }

    /// <summary>The project's status route for an instance, relative to the app's origin.</summary>
    public static string StatusUrl(string instanceId) => "/api/retraining/" + Uri.EscapeDataString(instanceId);
}
