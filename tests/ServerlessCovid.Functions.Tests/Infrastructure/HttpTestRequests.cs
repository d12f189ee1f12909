using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace ServerlessCovid.Functions.Tests.Infrastructure;

/// <summary>Requests on <see cref="DefaultHttpContext"/> and execution of results into real response bytes.</summary>
internal static class HttpTestRequests
{
    public static HttpRequest Create(IServiceProvider services, string method, byte[]? body = null, string? contentType = null, string? query = null)
    {
        DefaultHttpContext context = new() { RequestServices = services };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("covid.example");
        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query);
        }

        if (body is not null)
        {
            context.Request.Body = new MemoryStream(body);
            context.Request.ContentLength = body.Length;
        }

        context.Request.ContentType = contentType;
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    public static HttpRequest Json(IServiceProvider services, object body) =>
        Create(services, "POST", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body)), "application/json");

    public static async Task<HttpRequest> MultipartAsync(
        IServiceProvider services, byte[] file, string fileName, string partContentType = "image/png")
    {
        using MultipartFormDataContent form = new();
        ByteArrayContent part = new(file);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(partContentType);
        form.Add(part, "image", fileName);
        byte[] body = await form.ReadAsByteArrayAsync();
        return Create(services, "POST", body, form.Headers.ContentType!.ToString());
    }

    /// <summary>Executes the result as the host would and returns status, headers and the JSON body.</summary>
    public static async Task<ExecutedResponse> ExecuteAsync(IActionResult result, HttpRequest request)
    {
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        HttpResponse response = request.HttpContext.Response;
        response.Body.Position = 0;
        using StreamReader reader = new(response.Body, Encoding.UTF8, leaveOpen: true);
        string text = await reader.ReadToEndAsync();
        JsonElement? json = text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
        return new ExecutedResponse(response.StatusCode, response.ContentType, response.Headers, json);
    }
}

internal sealed record ExecutedResponse(int Status, string? ContentType, IHeaderDictionary Headers, JsonElement? Json)
{
    public JsonElement Body => Json ?? throw new InvalidOperationException("The response has no JSON body.");

    public string? String(string property) => Body.TryGetProperty(property, out JsonElement value) ? value.GetString() : null;
}
