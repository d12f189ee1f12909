using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Retraining;
using ServerlessCovid.Functions.Security;
using ServerlessCovid.Functions.Tests.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;

namespace ServerlessCovid.Functions.Tests.Security;

/// <summary>A response as raw text, for checks that must see every byte (problem details, leaked keys).</summary>
internal sealed record RawResponse(int Status, string? ContentType, IHeaderDictionary Headers, string Body);

/// <summary>
/// Calls a function the way the worker does with <see cref="HospitalAccessMiddleware"/> in front: the real
/// <see cref="HttpAccessGate"/> from the app's composition root decides, then the real function class runs.
/// </summary>
internal static class AccessTestHarness
{
    public const string Hospital = "h1";

    public static async Task<RawResponse> CallAsync(
        FunctionsTestApp app,
        string function,
        IReadOnlyDictionary<string, string> headers,
        DurableTaskClient durable,
        string resultId,
        string hospital = Hospital,
        byte[]? body = null,
        string? contentType = null,
        string? query = null)
    {
        HttpRequest request = Request(app, function, headers, body, contentType, query);
        Dictionary<string, object?> bindingData = new(StringComparer.Ordinal);
        if (RouteAccess.For(function) == RouteAccessLevel.OwnHospital)
        {
            bindingData[RouteAccess.HospitalRouteParameter] = hospital;
        }

        IActionResult? result = null;
        HttpAccessGate gate = app.Provider.GetRequiredService<HttpAccessGate>();
        IActionResult? refusal = await gate.RunAsync(function, request.HttpContext, bindingData, async () =>
            result = await InvokeFunctionAsync(app, function, request, durable, resultId, hospital));
        return await ExecuteAsync(refusal ?? result ?? throw new InvalidOperationException("No result."), request);
    }

    public static async Task<RawResponse> ExecuteAsync(IActionResult result, HttpRequest request)
    {
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        HttpResponse response = request.HttpContext.Response;
        response.Body.Position = 0;
        using StreamReader reader = new(response.Body, Encoding.UTF8, leaveOpen: true);
        return new RawResponse(response.StatusCode, response.ContentType, response.Headers, await reader.ReadToEndAsync());
    }

    private static HttpRequest Request(
        FunctionsTestApp app, string function, IReadOnlyDictionary<string, string> headers, byte[]? body, string? contentType, string? query)
    {
        (byte[]? defaultBody, string? defaultType, string method) = function switch
        {
            nameof(TriageXray) => (TestXrays.Covid(), null, "POST"),
            nameof(LabelResult) => (Encoding.UTF8.GetBytes("{\"label\":\"covid\",\"labelledBy\":\"dr-ada\"}"), "application/json", "POST"),
            nameof(RollbackModel) => (Encoding.UTF8.GetBytes("{\"version\":\"v1\",\"reason\":\"matrix\"}"), "application/json", "POST"),
            nameof(StartRetraining) => ((byte[]?)null, (string?)null, "POST"),
            _ => (null, null, "GET"),
        };
        HttpRequest request = HttpTestRequests.Create(app.Provider, method, body ?? defaultBody, contentType ?? defaultType, query);
        foreach ((string name, string value) in headers)
        {
            request.Headers[name] = value;
        }

        return request;
    }

    private static async Task<IActionResult> InvokeFunctionAsync(
        FunctionsTestApp app, string function, HttpRequest request, DurableTaskClient durable, string resultId, string hospital) => function switch
    {
        nameof(GetHealth) => app.Function<GetHealth>().Run(request),
        nameof(TriageXray) => await app.Function<TriageXray>().Run(request, hospital, CancellationToken.None),
        nameof(GetResult) => await app.Function<GetResult>().Run(request, hospital, resultId, CancellationToken.None),
        nameof(GetResultHeatMap) => await app.Function<GetResultHeatMap>().Run(request, hospital, resultId, CancellationToken.None),
        nameof(ListResults) => await app.Function<ListResults>().Run(request, hospital, CancellationToken.None),
        nameof(LabelResult) => await app.Function<LabelResult>().Run(request, hospital, resultId, CancellationToken.None),
        nameof(GetModel) => await app.Function<GetModel>().Run(request, CancellationToken.None),
        nameof(GetModelFile) => await app.Function<GetModelFile>().Run(request, "v1", GetModelFile.ReportFileName, CancellationToken.None),
        nameof(StartRetraining) => await app.Function<StartRetraining>().StartAsync(request, durable, CancellationToken.None),
        nameof(GetRetrainingStatus) => await app.Function<GetRetrainingStatus>().Run(request, "no-such-run", durable, CancellationToken.None),
        nameof(RollbackModel) => await app.Function<RollbackModel>().Run(request, CancellationToken.None),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "No invocation for this function."),
    };

    /// <summary>Issues keys for h1, h2 and an administrator in the app's key table.</summary>
    public static async Task<Keys> IssueKeysAsync(FunctionsTestApp app)
    {
        ApiKeyStore store = app.Provider.GetRequiredService<ApiKeyStore>();
        return new Keys(
            (await store.AddHospitalKeyAsync("h1")).Key,
            (await store.AddHospitalKeyAsync("h2")).Key,
            (await store.AddAdminKeyAsync("ops")).Key);
    }

    public static async Task<string> PrepareAsync(FunctionsTestApp app)
    {
        string artifacts = Directory.CreateTempSubdirectory("covid-artifacts-").FullName;
        await File.WriteAllTextAsync(Path.Combine(artifacts, GetModelFile.ReportFileName), "<html>report</html>");
        // With the cam output, so the heat-map route has something to serve to those allowed to see it.
        await app.PublishAsync(TestModelPackages.CreateWithCam("v1"), artifacts: artifacts);
        return await TriageXrayTests.TriageAsync(app, Hospital, TestXrays.Covid());
    }
}

internal sealed record Keys(string OwnHospital, string OtherHospital, string Admin)
{
    public static IReadOnlyDictionary<string, string> Header(string? key) =>
        key is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["x-api-key"] = key };
}
