using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Retraining;
using ServerlessCovid.Functions.Security;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Security;

[Collection(TestCollections.Azurite)]
public sealed class HttpAccessGateTests(AzuriteFixture azurite)
{
    public static TheoryData<Exception> StorageFailures() =>
    [
        new RequestFailedException(503, "Server busy"),
        new RequestFailedException(500, "Internal"),
        new RequestFailedException(0, "Connection refused", new HttpRequestException("refused")),
        new AggregateException(new RequestFailedException(0, "retry failed"), new RequestFailedException(503, "busy")),
        new HttpRequestException("connection reset"),
    ];

    [Theory]
    [MemberData(nameof(StorageFailures))]
    public async Task RunAsync_StorageUnavailable_Answers503ProblemWithRetryAfter(Exception failure)
    {
        // Arrange
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        HttpAccessGate gate = app.Provider.GetRequiredService<HttpAccessGate>();
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Act
        IActionResult? answer = await gate.RunAsync(nameof(GetHealth), request.HttpContext, new Dictionary<string, object?>(), () => throw failure);
        RawResponse response = await AccessTestHarness.ExecuteAsync(answer!, request);

        // Assert
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, response.Status);
        Assert.Equal("45", response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(AccessErrorCodes.StorageUnavailable, JsonDocument.Parse(response.Body).RootElement.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(404)]
    [InlineData(409)]
    public void IsStorageUnavailable_ClientErrorStatus_ReturnsFalse(int status)
    {
        // Arrange / Act / Assert
        Assert.False(HttpAccessGate.IsStorageUnavailable(new RequestFailedException(status, "client error")));
    }

    [Fact]
    public async Task RunAsync_UnexpectedException_Answers500ProblemWithCode()
    {
        // Arrange
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        HttpAccessGate gate = app.Provider.GetRequiredService<HttpAccessGate>();
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Act
        IActionResult? answer = await gate.RunAsync(
            nameof(GetHealth), request.HttpContext, new Dictionary<string, object?>(), () => throw new InvalidOperationException("boom"));
        RawResponse response = await AccessTestHarness.ExecuteAsync(answer!, request);

        // Assert
        Assert.Equal(StatusCodes.Status500InternalServerError, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(AccessErrorCodes.InternalError, JsonDocument.Parse(response.Body).RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain("boom", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void RouteAccessFor_UnlistedFunction_IsAdminOnly()
    {
        // Arrange / Act / Assert: a new function that nobody classified is denied to hospitals by default.
        Assert.Equal(RouteAccessLevel.Admin, RouteAccess.For("SomeNewFunction"));
    }

    public static TheoryData<string, string, int> PrincipalCases() => new()
    {
        { "Hospital.h1", "h1", 200 },
        { "Hospital.h2", "h1", 404 },
        { "ServerlessCovid.Admin", "h1", 200 },
        { "Reader", "h1", 401 },
    };

    [Theory]
    [MemberData(nameof(PrincipalCases))]
    public async Task GetResult_TrustedClientPrincipalRole_MapsToHospitalOrAdmin(string role, string routeHospital, int expected)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite, new Dictionary<string, string?> { ["Access:TrustClientPrincipal"] = "true" });
        string resultId = await AccessTestHarness.PrepareAsync(app);
        Dictionary<string, string> headers = new() { [CallerAuthenticator.ClientPrincipalHeader] = Principal(role) };

        // Trigger
        RawResponse response = await AccessTestHarness.CallAsync(
            app, nameof(GetResult), headers, Substitute.For<DurableTaskClient>("test"), resultId, hospital: routeHospital);

        // Verify
        Assert.Equal(expected, response.Status);
    }

    [Fact]
    public async Task GetResult_ClientPrincipalWhenNotTrusted_IsIgnoredAndAnswers401()
    {
        // Setup: the default (no built-in authentication in front) must not believe a forged header.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        string resultId = await AccessTestHarness.PrepareAsync(app);
        Dictionary<string, string> headers = new() { [CallerAuthenticator.ClientPrincipalHeader] = Principal("ServerlessCovid.Admin") };

        // Trigger
        RawResponse response = await AccessTestHarness.CallAsync(
            app, nameof(GetResult), headers, Substitute.For<DurableTaskClient>("test"), resultId);

        // Verify
        Assert.Equal(StatusCodes.Status401Unauthorized, response.Status);
    }

    [Fact]
    public void FromClientPrincipal_MalformedHeader_IsRefused()
    {
        // Arrange / Act
        Authentication result = CallerAuthenticator.FromClientPrincipal("not base64 !!", new AccessOptions());

        // Assert
        Assert.Null(result.Caller);
        Assert.True(result.CredentialsPresented);
    }

    [Fact]
    public void FromClientPrincipal_TwoHospitalRoles_IsRefused()
    {
        // Arrange
        string header = Principal("Hospital.h1", "Hospital.h2");

        // Act
        Authentication result = CallerAuthenticator.FromClientPrincipal(header, new AccessOptions());

        // Assert
        Assert.Null(result.Caller);
    }

    [Fact]
    public async Task StartRetraining_RunAlreadyRunning_Answers409ProblemWithOwnStatusUrl()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        DurableTaskClient durable = Substitute.For<DurableTaskClient>("test");
        durable.GetInstanceAsync(Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>())
            .Returns(new OrchestrationMetadata("RetrainingOrchestrator", "serverlesscovid-retraining") { RuntimeStatus = OrchestrationRuntimeStatus.Running });

        // Trigger
        RawResponse response = await AccessTestHarness.CallAsync(app, nameof(StartRetraining), Keys.Header(keys.Admin), durable, "unused");

        // Verify
        Assert.Equal(StatusCodes.Status409Conflict, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        JsonElement body = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal(StartRetraining.AlreadyRunning, body.GetProperty("code").GetString());
        Assert.Equal("/api/retraining/serverlesscovid-retraining", body.GetProperty("statusUrl").GetString());
        Assert.Equal("/api/retraining/serverlesscovid-retraining", response.Headers.Location.ToString());
        SystemKeyScan.AssertClean(response, keys);
    }

    private static string Principal(params string[] roles)
    {
        object principal = new
        {
            auth_typ = "aad",
            name_typ = "name",
            role_typ = "roles",
            claims = roles.Select(r => new { typ = "roles", val = r }).Append(new { typ = "name", val = "Dr Ada" }).ToArray(),
        };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(principal)));
    }
}
