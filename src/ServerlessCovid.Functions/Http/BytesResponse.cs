using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// Raw bytes with a content type, written directly (like <see cref="JsonResponse"/>) so it does not depend on which
/// MVC result executors the worker registers. <c>nosniff</c> keeps browsers to the declared type.
/// </summary>
public sealed class BytesResponse(ReadOnlyMemory<byte> content, string contentType) : IActionResult
{
    public ReadOnlyMemory<byte> Content { get; } = content;

    public string ContentType { get; } = contentType;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpResponse response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = Content.Length;
        response.Headers.XContentTypeOptions = "nosniff";
        await response.Body.WriteAsync(Content, context.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}
