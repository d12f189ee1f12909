using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// Writes JSON with the project's one JSON style (<see cref="ManifestJson"/>) and any extra headers, without
/// needing MVC's formatters: the same bytes whether the Functions host executes it or a test does.
/// </summary>
public sealed class JsonResponse(object value, int statusCode = StatusCodes.Status200OK, string contentType = "application/json")
    : IActionResult
{
    public object Value { get; } = value;

    public int StatusCode { get; } = statusCode;

    public string ContentType { get; } = contentType;

    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpResponse response = context.HttpContext.Response;
        response.StatusCode = StatusCode;
        foreach ((string name, string headerValue) in Headers)
        {
            response.Headers[name] = headerValue;
        }

        response.ContentType = ContentType + "; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.Body, Value, Value.GetType(), ManifestJson.Options, context.HttpContext.RequestAborted)
            .ConfigureAwait(false);
    }
}
