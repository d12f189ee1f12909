using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Retraining;
using ServerlessCovid.Functions.Security;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Security;

/// <summary>
/// Every HTTP route × {no credentials, another hospital's key, the route's hospital's key, an administrator key},
/// through the real access gate and the real function against Azurite. The route's hospital is h1; "another
/// hospital" is h2.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class RouteIdentityMatrixTests(AzuriteFixture azurite)
{
    /// <summary>route, none, other hospital, own hospital, admin.</summary>
    public static TheoryData<string, int, int, int, int> Matrix => new()
    {
        { nameof(GetHealth), 200, 200, 200, 200 },
        { nameof(TriageXray), 401, 404, 200, 200 },
        { nameof(GetResult), 401, 404, 200, 200 },
        { nameof(GetResultHeatMap), 401, 404, 200, 200 },
        { nameof(ListResults), 401, 404, 200, 200 },
        { nameof(LabelResult), 401, 404, 200, 200 },
        { nameof(GetModel), 401, 200, 200, 200 },
        { nameof(GetModelFile), 401, 200, 200, 200 },
        { nameof(StartRetraining), 401, 403, 403, 202 },
        { nameof(GetRetrainingStatus), 401, 403, 403, 404 },
        { nameof(RollbackModel), 401, 403, 403, 200 },
    };

    [Fact]
    public void Matrix_CoversEveryHttpFunctionInTheAccessTable()
    {
        // Arrange
        HashSet<string> tested = [.. Matrix.Select(row => (string)row[0])];

        // Act / Assert
        Assert.Equal(RouteAccess.Functions.Keys.Order(StringComparer.Ordinal), tested.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Route_EachIdentity_AnswersExpectedStatusWithProblemDetailsAndNoKeys(
        string function, int none, int otherHospital, int ownHospital, int admin)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        string resultId = await AccessTestHarness.PrepareAsync(app);
        DurableTaskClient durable = Substitute.For<DurableTaskClient>("test");
        (string Identity, string? Key, int Expected)[] cases =
        [
            ("none", null, none), ("other hospital", keys.OtherHospital, otherHospital),
            ("own hospital", keys.OwnHospital, ownHospital), ("admin", keys.Admin, admin),
        ];

        foreach ((string identity, string? key, int expected) in cases)
        {
            // Trigger
            RawResponse response = await AccessTestHarness.CallAsync(app, function, Keys.Header(key), durable, resultId);

            // Verify
            Assert.True(expected == response.Status, $"{function} as {identity}: expected {expected}, got {response.Status}: {response.Body}");
            if (response.Status >= 400)
            {
                Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
                Assert.Contains("\"code\":", response.Body, StringComparison.Ordinal);
            }

            SystemKeyScan.AssertClean(response, keys);
        }
    }

    [Fact]
    public async Task ListResults_OtherHospitalsOwnRoute_NeverShowsTheFirstHospitalsResults()
    {
        // Setup: h1 has a result; h2 lists its own partition and asks for h1's id under its own route.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        string h1Id = await AccessTestHarness.PrepareAsync(app);
        DurableTaskClient durable = Substitute.For<DurableTaskClient>("test");

        // Trigger
        RawResponse list = await AccessTestHarness.CallAsync(app, nameof(ListResults), Keys.Header(keys.OtherHospital), durable, h1Id, hospital: "h2");
        RawResponse get = await AccessTestHarness.CallAsync(app, nameof(GetResult), Keys.Header(keys.OtherHospital), durable, h1Id, hospital: "h2");
        RawResponse label = await AccessTestHarness.CallAsync(app, nameof(LabelResult), Keys.Header(keys.OtherHospital), durable, h1Id, hospital: "h2");
        RawResponse heatMap = await AccessTestHarness.CallAsync(app, nameof(GetResultHeatMap), Keys.Header(keys.OtherHospital), durable, h1Id, hospital: "h2");

        // Verify
        Assert.Equal(200, list.Status);
        Assert.DoesNotContain(h1Id, list.Body, StringComparison.Ordinal);
        Assert.Equal(404, get.Status);
        Assert.Equal(404, label.Status);
        Assert.Equal(404, heatMap.Status);
    }

    [Fact]
    public async Task AnyRoute_RevokedOrForgedKey_Answers401()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        string resultId = await AccessTestHarness.PrepareAsync(app);
        DurableTaskClient durable = Substitute.For<DurableTaskClient>("test");
        string forged = keys.OwnHospital[..^4] + "AAAA";
        Core.Security.ApiKeyStore store = app.Provider.GetRequiredService<Core.Security.ApiKeyStore>();
        Assert.True(Core.Security.ApiKeys.TryParse(keys.Admin, out string adminId, out _));
        Assert.True(await store.RevokeAsync(adminId));

        // Trigger
        RawResponse forgedResponse = await AccessTestHarness.CallAsync(app, nameof(GetResult), Keys.Header(forged), durable, resultId);
        RawResponse revokedResponse = await AccessTestHarness.CallAsync(app, nameof(RollbackModel), Keys.Header(keys.Admin), durable, resultId);

        // Verify
        Assert.Equal(401, forgedResponse.Status);
        Assert.Equal(401, revokedResponse.Status);
        Assert.Equal(AccessErrorCodes.Unauthenticated, System.Text.Json.JsonDocument.Parse(revokedResponse.Body).RootElement.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("h1\n")]
    [InlineData("h1\r\n")]
    [InlineData("h1\u2028")]
    [InlineData("h1\0")]
    public async Task Triage_HospitalWithTrailingLineBreak_Answers404ForHospitalAnd400ForAdmin(string hospital)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        await AccessTestHarness.PrepareAsync(app);
        DurableTaskClient durable = Substitute.For<DurableTaskClient>("test");

        // Trigger
        RawResponse asHospital = await AccessTestHarness.CallAsync(app, nameof(TriageXray), Keys.Header(keys.OwnHospital), durable, "unused", hospital);
        RawResponse asAdmin = await AccessTestHarness.CallAsync(app, nameof(TriageXray), Keys.Header(keys.Admin), durable, "unused", hospital);

        // Verify: nothing stored under the bad id, and no 500.
        Assert.Equal(404, asHospital.Status);
        Assert.Equal(400, asAdmin.Status);
        Assert.Contains("invalid_hospital", asAdmin.Body, StringComparison.Ordinal);
    }
}
