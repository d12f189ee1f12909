using System.Net.Sockets;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Http;

namespace ServerlessCovid.Functions.Security;

/// <summary>Stable codes of access and availability errors.</summary>
public static class AccessErrorCodes
{
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "admin_required";
    public const string StorageUnavailable = "storage_unavailable";
    public const string InternalError = "internal_error";
}

/// <summary>
/// The one place that decides whether an HTTP call may run (see <see cref="RouteAccess"/>), and that turns what a
/// function throws into problem details: storage unavailable → 503 with Retry-After, anything else → 500 with a code
/// (never an empty body). A caller asking for another hospital's route gets 404, as if it did not exist, and the
/// refusal is logged with caller and route.
/// </summary>
public sealed partial class HttpAccessGate(CallerAuthenticator authenticator, IOptions<AccessOptions> access, IOptions<TriageOptions> triage, ILogger<HttpAccessGate> logger)
{
    /// <summary><see cref="HttpContext.Items"/> key of the authenticated <see cref="CallerIdentity"/>.</summary>
    public const string CallerItem = "ServerlessCovid.Caller";

    /// <summary>Authorizes, runs <paramref name="next"/> when allowed, and returns the response to send instead, if any.</summary>
    public async Task<IActionResult?> RunAsync(
        string functionName, HttpContext http, IReadOnlyDictionary<string, object?> bindingData, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            IActionResult? refusal = await AuthorizeAsync(functionName, http, bindingData).ConfigureAwait(false);
            if (refusal is not null)
            {
                return refusal;
            }

            await next().ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (IsStorageUnavailable(ex))
        {
            LogStorageUnavailable(logger, ex, functionName);
            return Problems.ServiceUnavailable(
                AccessErrorCodes.StorageUnavailable, "Storage is unavailable right now; retry later.", triage.Value.RetryAfterSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            LogUnhandled(logger, ex, functionName);
            return Problems.Create(StatusCodes.Status500InternalServerError, AccessErrorCodes.InternalError,
                "The request failed unexpectedly; it was logged.");
        }
    }

    /// <summary>Null when the call may proceed; otherwise the 401/403/404 problem to answer with.</summary>
    public async Task<IActionResult?> AuthorizeAsync(string functionName, HttpContext http, IReadOnlyDictionary<string, object?> bindingData)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(bindingData);
        RouteAccessLevel level = RouteAccess.For(functionName);
        if (level == RouteAccessLevel.Anonymous)
        {
            return null;
        }

        Authentication authentication = await authenticator.AuthenticateAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (authentication.Caller is not { } caller)
        {
            LogUnauthenticated(logger, functionName, http.Request.Method, http.Request.Path.Value, authentication.Failure ?? "no credentials");
            JsonResponse unauthenticated = Problems.Create(StatusCodes.Status401Unauthorized, AccessErrorCodes.Unauthenticated,
                authentication.Failure ?? $"Send your API key in the '{access.Value.ApiKeyHeader}' header (or sign in with Microsoft Entra ID).");
            unauthenticated.Headers["WWW-Authenticate"] = $"ApiKey header=\"{access.Value.ApiKeyHeader}\"";
            return unauthenticated;
        }

        http.Items[CallerItem] = caller;
        switch (level)
        {
            case RouteAccessLevel.Admin when !caller.IsAdmin:
                LogRefused(logger, caller.ToString(), functionName, http.Request.Method, http.Request.Path.Value, "admin role required");
                return Problems.Create(StatusCodes.Status403Forbidden, AccessErrorCodes.Forbidden, "This action needs the administrator role.");
            case RouteAccessLevel.OwnHospital:
                string? hospital = bindingData.TryGetValue(RouteAccess.HospitalRouteParameter, out object? value) ? value?.ToString() : null;
                if (!caller.MayActFor(hospital))
                {
                    LogRefused(logger, caller.ToString(), functionName, http.Request.Method, http.Request.Path.Value, "other hospital");
                    return Problems.NotFound("Not found.");
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>Storage that cannot be reached or answers 5xx: worth a retry, not a 500.</summary>
    public static bool IsStorageUnavailable(Exception exception) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or >= 500 || failed.InnerException is HttpRequestException or IOException or SocketException,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsStorageUnavailable),
        HttpRequestException or SocketException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Access refused: {Caller} called {Function} ({Method} {Path}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string caller, string function, string method, string? path, string reason);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Unauthenticated call to {Function} ({Method} {Path}): {Reason}")]
    private static partial void LogUnauthenticated(ILogger logger, string function, string method, string? path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable during {Function}; answered 503")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception, string function);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure in {Function}; answered 500")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string function);
}
