using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// <c>GET /api/hospitals/{hospital}/results?from=&amp;to=&amp;label=&amp;status=&amp;pageSize=&amp;continuationToken=</c>:
/// one page, newest first. <c>from</c> is inclusive and <c>to</c> exclusive (ISO 8601); <c>label</c> filters the
/// predicted label. Pass the returned <c>continuationToken</c> with the same filters for the next page.
/// </summary>
public sealed class ListResults(TriageResultStore results)
{
    [Function(nameof(ListResults))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hospitals/{hospital}/results")] HttpRequest request,
        string hospital,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HospitalIds.IsValid(hospital))
        {
            return Problems.BadRequest(TriageErrorCodes.InvalidHospital, $"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.");
        }

        (TriageResultQuery? query, string? error) = ParseQuery(request.Query);
        if (query is null)
        {
            return Problems.BadRequest(ApiErrorCodes.InvalidQuery, error!);
        }

        try
        {
            TriageResultPage page = await results.ListAsync(hospital, query, cancellationToken).ConfigureAwait(false);
            return new JsonResponse(new ResultPageResponse(
                [.. page.Items.Select(TriageResultResponse.From)], page.ContinuationToken, Disclaimers.ResearchOnly));
        }
        catch (InvalidContinuationTokenException ex)
        {
            return Problems.BadRequest(ApiErrorCodes.InvalidContinuationToken, ex.Message);
        }
    }

    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    private static readonly string[] Parameters = ["from", "to", "label", "status", "pageSize", "continuationToken"];

    internal static (TriageResultQuery? Query, string? Error) ParseQuery(IQueryCollection query)
    {
        foreach (string name in Parameters)
        {
            if (query.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues values) && values.Count > 1)
            {
                return (null, $"'{name}' was given {values.Count} times; give it once (a list of statuses is one comma-separated value).");
            }
        }

        string? token = Single(query, "continuationToken");
        if (token is { Length: > TriageResultQuery.MaxContinuationTokenLength })
        {
            return (null, $"'continuationToken' is longer than {TriageResultQuery.MaxContinuationTokenLength} characters.");
        }

        TriageResultQuery result = new() { ContinuationToken = token };
        if (Single(query, "from") is { } from)
        {
            if (!TryParseTime(from, out DateTimeOffset value))
            {
                return (null, $"'from' must be an ISO 8601 date (yyyy-MM-dd) or time (yyyy-MM-ddTHH:mm[:ss[.fff]][Z|±hh:mm]), got '{from}'.");
            }

            result = result with { From = value };
        }

        if (Single(query, "to") is { } to)
        {
            if (!TryParseTime(to, out DateTimeOffset value))
            {
                return (null, $"'to' must be an ISO 8601 date (yyyy-MM-dd) or time (yyyy-MM-ddTHH:mm[:ss[.fff]][Z|±hh:mm]), got '{to}'.");
            }

            result = result with { To = value };
        }

        if (result.From is { } f && result.To is { } t && f >= t)
        {
            return (null, "'from' must be earlier than 'to'.");
        }

        if (Single(query, "label") is { } label)
        {
            if (!ClassNames.IsKnown(label))
            {
                return (null, $"'label' must be '{ClassNames.Covid}' or '{ClassNames.Normal}', got '{label}'.");
            }

            result = result with { Label = label };
        }

        if (Single(query, "status") is { } status)
        {
            List<TriageStatus> statuses = [];
            foreach (string part in status.Split(','))
            {
                if (!TryParseStatus(part, out TriageStatus parsed))
                {
                    return (null, $"'status' must be one of 'scored', 'rejected', 'failed', 'pending', or a comma-separated list of them, got '{status}'.");
                }

                statuses.Add(parsed);
            }

            result = result with { Statuses = statuses };
        }

        if (Single(query, "pageSize") is { } size)
        {
            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out int pageSize)
                || pageSize is < 1 or > TriageResultQuery.MaxPageSize)
            {
                return (null, $"'pageSize' must be 1-{TriageResultQuery.MaxPageSize}, got '{size}'.");
            }

            result = result with { PageSize = pageSize };
        }

        return (result, null);
    }

    /// <summary>Exactly a status name (case-insensitive): no numbers, no enum flag combinations, no whitespace.</summary>
    private static bool TryParseStatus(string text, out TriageStatus status)
    {
        foreach (TriageStatus candidate in Enum.GetValues<TriageStatus>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues values) && !string.IsNullOrWhiteSpace(values[0])
            ? values[0]
            : null;

    /// <summary>ISO 8601 only (no culture formats such as 1/2/2020); a time without offset is UTC.</summary>
    private static bool TryParseTime(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text, IsoFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
}

public sealed record ResultPageResponse(IReadOnlyList<TriageResultResponse> Items, string? ContinuationToken, string Disclaimer);
