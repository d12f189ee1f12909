using Microsoft.AspNetCore.Http;

namespace ServerlessCovid.Functions.Http;

/// <summary>Stable codes of API errors that are not image or triage codes.</summary>
public static class ApiErrorCodes
{
    public const string ModelUnavailable = "model_unavailable";
    public const string NoModelPublished = "no_model_published";
    public const string NotFound = "not_found";
    public const string MissingImage = "missing_image";
    public const string MalformedMultipart = "malformed_multipart";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string InvalidQuery = "invalid_query";
    public const string InvalidContinuationToken = "invalid_continuation_token";
    public const string InvalidLabel = "invalid_label";
    public const string InvalidBody = "invalid_body";
    public const string NotLabellable = "result_not_labellable";
}

/// <summary>
/// RFC 7807 problem details (<c>application/problem+json</c>) with a stable <c>code</c> extension that clients
/// branch on; <c>title</c> and <c>detail</c> are for people.
/// </summary>
public static class Problems
{
    // A URN, not a URL: the codes are documented in the README, and no page pretends to live at a made-up address.
    private const string TypeBase = "urn:serverlesscovid:error:";

    public static JsonResponse Create(int status, string code, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        Dictionary<string, object?> body = new()
        {
            ["type"] = TypeBase + code,
            ["title"] = ReasonPhrases(status),
            ["status"] = status,
            ["detail"] = detail,
            ["code"] = code,
        };
        foreach ((string key, object? value) in extensions ?? new Dictionary<string, object?>())
        {
            body[key] = value;
        }

        return new JsonResponse(body, status, "application/problem+json");
    }

    public static JsonResponse NotFound(string detail) => Create(StatusCodes.Status404NotFound, ApiErrorCodes.NotFound, detail);

    public static JsonResponse BadRequest(string code, string detail) => Create(StatusCodes.Status400BadRequest, code, detail);

    public static JsonResponse ServiceUnavailable(string code, string detail, int retryAfterSeconds)
    {
        JsonResponse response = Create(StatusCodes.Status503ServiceUnavailable, code, detail);
        response.Headers["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return response;
    }

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
