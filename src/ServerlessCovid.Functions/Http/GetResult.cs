using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// <c>GET /api/hospitals/{hospital}/results/{id}</c>. The lookup is a point read in the hospital's own partition,
/// so another hospital's id is simply not found (404, never 403, which would confirm it exists).
/// </summary>
public sealed class GetResult(TriageResultStore results)
{
    [Function(nameof(GetResult))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hospitals/{hospital}/results/{id}")] HttpRequest request,
        string hospital,
        string id,
        CancellationToken cancellationToken)
    {
        if (!HospitalIds.IsValid(hospital))
        {
            return Problems.BadRequest(TriageErrorCodes.InvalidHospital, $"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.");
        }

        TriageResult? result = await results.GetAsync(hospital, id, cancellationToken).ConfigureAwait(false);
        return result is null
            ? Problems.NotFound($"Hospital '{hospital}' has no result '{id}'.")
            : new JsonResponse(TriageResultResponse.From(result));
    }
}
