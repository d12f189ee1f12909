using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// <c>POST /api/hospitals/{hospital}/results/{id}/label</c> with <c>{"label":"covid|normal","labelledBy":"..."}</c>:
/// stores the confirmed label and copies the scored image into the labelled-image store for retraining.
/// Idempotent; 404 for an unknown (or another hospital's) result, 409 when the result has no usable image, or
/// (<c>label_conflict</c>, rare) when other labels of the same result kept landing first: sending it again is safe.
/// </summary>
public sealed class LabelResult(ResultLabellingService labelling)
{
    [Function(nameof(LabelResult))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "hospitals/{hospital}/results/{id}/label")] HttpRequest request,
        string hospital,
        string id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HospitalIds.IsValid(hospital))
        {
            return Problems.BadRequest(TriageErrorCodes.InvalidHospital, $"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.");
        }

        LabelRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<LabelRequest>(request.Body, ManifestJson.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest(ApiErrorCodes.InvalidBody, $"The body must be JSON {{\"label\":\"covid|normal\",\"labelledBy\":\"...\"}}: {ex.Message}");
        }

        if (body is null)
        {
            return Problems.BadRequest(ApiErrorCodes.InvalidBody, "The body must be JSON {\"label\":\"covid|normal\",\"labelledBy\":\"...\"}.");
        }

        try
        {
            TriageResult? result = await labelling.ConfirmAsync(hospital, id, body.Label, body.LabelledBy, cancellationToken).ConfigureAwait(false);
            return result is null
                ? Problems.NotFound($"Hospital '{hospital}' has no result '{id}'.")
                : new JsonResponse(TriageResultResponse.From(result));
        }
        catch (TriageRequestException ex)
        {
            int status = ex.Code switch
            {
                TriageErrorCodes.NotLabellable or TriageErrorCodes.ImageChanged or TriageErrorCodes.LabelConflict => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status400BadRequest,
            };
            return Problems.Create(status, ex.Code, ex.Message);
        }
        catch (LabelledImageStoreException ex)
        {
            int status = ex.Code == LabelledImageErrorCodes.ConflictingContent ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity;
            return Problems.Create(status, ex.Code, ex.Reason);
        }
    }
}

public sealed record LabelRequest(string? Label, string? LabelledBy);
