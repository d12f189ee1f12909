using System.Net;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>Body of <c>POST /api/model/rollback</c>.</summary>
public sealed record ModelRollbackRequest(string? Version, string? Reason);

/// <summary>
/// <c>POST /api/model/rollback</c> with <c>{ "version": "...", "reason": "..." }</c>: switches <c>current.json</c>
/// back to an already published version (ETag-conditional, in the registry). Serving picks it up without a restart.
/// </summary>
public sealed class ModelRollbackHttp(IModelRegistry registry)
{
    [Function("RollbackModel")]
    public async Task<HttpResponseData> RollbackAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "model/rollback")] HttpRequestData request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        ModelRollbackRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<ModelRollbackRequest>(request.Body, ManifestJson.Options, context.CancellationToken)
                .ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return await ProblemAsync(request, HttpStatusCode.BadRequest, "invalid_json", $"The body is not valid JSON: {ex.Message}", context)
                .ConfigureAwait(false);
        }

        if (string.IsNullOrWhiteSpace(body?.Version))
        {
            return await ProblemAsync(
                request, HttpStatusCode.BadRequest, "version_required", "Send { \"version\": \"<published version>\", \"reason\": \"...\" }.", context)
                .ConfigureAwait(false);
        }

        IReadOnlyList<ModelManifest> published = await registry.ListAsync(context.CancellationToken).ConfigureAwait(false);
        if (!published.Any(m => m.Version == body.Version))
        {
            return await ProblemAsync(
                request, HttpStatusCode.NotFound, "version_not_found", $"Model version '{body.Version}' was never published.", context)
                .ConfigureAwait(false);
        }

        try
        {
            CurrentModelPointer pointer = await registry.RollbackAsync(
                body.Version, string.IsNullOrWhiteSpace(body.Reason) ? "rollback via API" : body.Reason, context.CancellationToken)
                .ConfigureAwait(false);
            HttpResponseData response = request.CreateResponse(HttpStatusCode.OK);
            await response.WriteAsJsonAsync(pointer, context.CancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (ModelRegistryConflictException ex)
        {
            return await ProblemAsync(request, HttpStatusCode.Conflict, "model_conflict", ex.Message, context).ConfigureAwait(false);
        }
    }

    private static async Task<HttpResponseData> ProblemAsync(
        HttpRequestData request, HttpStatusCode status, string code, string detail, FunctionContext context)
    {
        HttpResponseData response = request.CreateResponse(status);
        await response.WriteAsJsonAsync(new { code, detail }, context.CancellationToken).ConfigureAwait(false);
        response.StatusCode = status;
        return response;
    }
}
