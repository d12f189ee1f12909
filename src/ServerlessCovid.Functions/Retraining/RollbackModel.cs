using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>Body of <c>POST /api/model/rollback</c>.</summary>
public sealed record ModelRollbackRequest(string? Version, string? Reason);

/// <summary>
/// <c>POST /api/model/rollback</c> with <c>{ "version": "...", "reason": "..." }</c> (function key): switches
/// <c>current.json</c> back to an already published version with an ETag-conditional write. Serving picks it up on
/// its next refresh, without a restart. The version is first opened in ONNX Runtime: one no instance could serve is
/// refused. 400 bad body or version, 404 never published, 409 switched concurrently, 422 not servable.
/// </summary>
public sealed class RollbackModel(IModelRegistry registry)
{
    public const string VersionNotFound = "version_not_found";

    public const string ModelConflict = "model_conflict";

    public const string ModelNotServable = "model_not_servable";

    [Function(nameof(RollbackModel))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "model/rollback")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ModelRollbackRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<ModelRollbackRequest>(request.Body, ManifestJson.Options, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest(ApiErrorCodes.InvalidBody, $"The body is not valid JSON: {ex.Message}");
        }

        if (body is null || !ModelVersions.IsValid(body.Version))
        {
            return Problems.BadRequest(
                ApiErrorCodes.InvalidBody,
                "Send { \"version\": \"<published version>\", \"reason\": \"...\" }; versions are 1-100 letters, digits, '.', '_' or '-'.");
        }

        try
        {
            CurrentModelPointer pointer = await registry.RollbackAsync(
                body.Version!, string.IsNullOrWhiteSpace(body.Reason) ? "rollback via API" : body.Reason, cancellationToken)
                .ConfigureAwait(false);
            return new JsonResponse(pointer);
        }
        catch (ModelVersionNotFoundException ex)
        {
            return Problems.Create(StatusCodes.Status404NotFound, VersionNotFound, ex.Message);
        }
        catch (ModelRegistryConflictException ex)
        {
            return Problems.Create(StatusCodes.Status409Conflict, ModelConflict, ex.Message);
        }
        catch (ModelNotServableException ex)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, ModelNotServable, ex.Message);
        }
    }
}
