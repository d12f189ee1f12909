using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessCovid.Functions.Http;

/// <summary>Liveness probe for Container Apps: answers without touching storage or the model.</summary>
public sealed class GetHealth
{
    [Function(nameof(GetHealth))]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        new JsonResponse(new { status = "ok" });
}
