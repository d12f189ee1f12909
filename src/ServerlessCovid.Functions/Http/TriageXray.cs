using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// <c>POST /api/hospitals/{hospital}/triage</c>: image bytes as the body (or the first file of a multipart form) →
/// 200 with the stored result; 400/413/415/422 with a stable code for bad input (the rejected result is stored
/// too, its id in the problem); 503 with Retry-After while no model is published.
/// </summary>
public sealed class TriageXray(
    TriageService triage, TriageMetrics metrics, IOptions<ImageInputOptions> imaging, IOptions<TriageOptions> options)
{
    private readonly long _maxBytes = imaging.Value.MaxBytes;

    [Function(nameof(TriageXray))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "hospitals/{hospital}/triage")] HttpRequest request,
        string hospital,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HospitalIds.IsValid(hospital))
        {
            return Problems.BadRequest(TriageErrorCodes.InvalidHospital, $"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.");
        }

        (byte[]? image, JsonResponse? problem) = await ImageRequestReader.ReadAsync(request, _maxBytes, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        TriageResult result;
        long started = Stopwatch.GetTimestamp();
        try
        {
            result = await triage.TriageUploadAsync(hospital, image!, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelUnavailableException ex)
        {
            metrics.RecordWithoutRow(TelemetryNames.Sources.Http, "unavailable", ApiErrorCodes.ModelUnavailable, Stopwatch.GetElapsedTime(started));
            return Problems.ServiceUnavailable(ApiErrorCodes.ModelUnavailable, ex.Message, options.Value.RetryAfterSeconds);
        }

        metrics.RecordTriage(result, TelemetryNames.Sources.Http, Stopwatch.GetElapsedTime(started));

        if (result.Status == TriageStatus.Rejected)
        {
            return Problems.Create(
                StatusForImageError(result.ErrorCode),
                result.ErrorCode ?? ImageErrorCodes.Corrupt,
                result.ErrorReason ?? "The image could not be scored.",
                new Dictionary<string, object?> { ["resultId"] = result.Id });
        }

        return new JsonResponse(TriageResultResponse.From(result));
    }

    /// <summary>The HTTP status for each stable image error code; unknown codes are unprocessable content.</summary>
    public static int StatusForImageError(string? code) => code switch
    {
        ImageErrorCodes.Empty => StatusCodes.Status400BadRequest,
        ImageErrorCodes.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ImageErrorCodes.UnsupportedFormat or ImageErrorCodes.UnsupportedTransferSyntax => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status422UnprocessableEntity,
    };
}
