using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// <c>GET /api/hospitals/{hospital}/results/{id}/heatmap</c>: the result's heat-map overlay PNG. Like
/// <see cref="GetResult"/> it reads only the hospital's own partition, so another hospital's id is not found (404);
/// a result scored by a model without a <c>cam</c> output has no heat map and is a 404 as well.
/// </summary>
public sealed class GetResultHeatMap(HeatMapStore heatMaps)
{
    [Function(nameof(GetResultHeatMap))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hospitals/{hospital}/results/{id}/heatmap")] HttpRequest request,
        string hospital,
        string id,
        CancellationToken cancellationToken)
    {
        if (!HospitalIds.IsValid(hospital))
        {
            return Problems.BadRequest(TriageErrorCodes.InvalidHospital, $"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.");
        }

        BinaryData? png = ResultIds.IsValid(id)
            ? await heatMaps.GetForResultAsync(hospital, id, cancellationToken).ConfigureAwait(false)
            : null;
        return png is null
            ? Problems.NotFound($"Hospital '{hospital}' has no heat map for result '{id}': the result does not exist, was not scored, "
                + "or its model has no class activation map output.")
            : new BytesResponse(png.ToMemory(), ContentTypes.ForFileName(".png"));
    }

    public static string Link(string hospital, string id) =>
        $"/api/hospitals/{Uri.EscapeDataString(hospital)}/results/{Uri.EscapeDataString(id)}/heatmap";
}
