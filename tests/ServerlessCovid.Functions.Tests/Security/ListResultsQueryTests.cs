using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using NSubstitute;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Security;

/// <summary>Strict query parsing of <c>GET /api/hospitals/{hospital}/results</c>.</summary>
[Collection(TestCollections.Azurite)]
public sealed class ListResultsQueryTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("?status=Rejected|Scored")]
    [InlineData("?status=3")]
    [InlineData("?status=1")]
    [InlineData("?status=scored,")]
    [InlineData("?status=scored,bogus")]
    [InlineData("?status=scored&status=rejected")]
    [InlineData("?from=1/2/2020")]
    [InlineData("?from=2020-01-02%0A")]
    [InlineData("?to=02.01.2020")]
    [InlineData("?from=Jan 2 2020")]
    public void ParseQuery_NotStrictlyValid_ReturnsError(string query)
    {
        // Arrange
        QueryCollection collection = new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));

        // Act
        (TriageResultQuery? parsed, string? error) = ListResults.ParseQuery(collection);

        // Assert
        Assert.Null(parsed);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("?status=Rejected,Scored", 2)]
    [InlineData("?status=failed", 1)]
    [InlineData("?from=2020-01-02&to=2020-01-03T10:00:00Z", 0)]
    [InlineData("?from=2020-01-02T10:00:00.123%2B01:00", 0)]
    public void ParseQuery_IsoDatesAndStatusList_Parses(string query, int statuses)
    {
        // Arrange
        QueryCollection collection = new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));

        // Act
        (TriageResultQuery? parsed, string? error) = ListResults.ParseQuery(collection);

        // Assert
        Assert.True(parsed is not null, error);
        Assert.Equal(statuses, parsed!.Statuses?.Count ?? 0);
    }

    [Fact]
    public async Task ListResults_StatusList_ReturnsRowsOfEitherStatus()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        await AccessTestHarness.PrepareAsync(app);
        await AccessTestHarness.CallAsync(app, nameof(TriageXray), Keys.Header(keys.OwnHospital), Substitute.For<DurableTaskClient>("test"), "unused",
            body: TestXrays.CorruptPng(), contentType: "image/png");

        // Trigger
        RawResponse both = await AccessTestHarness.CallAsync(app, nameof(ListResults), Keys.Header(keys.OwnHospital),
            Substitute.For<DurableTaskClient>("test"), "unused", query: "?status=rejected,scored");
        RawResponse rejected = await AccessTestHarness.CallAsync(app, nameof(ListResults), Keys.Header(keys.OwnHospital),
            Substitute.For<DurableTaskClient>("test"), "unused", query: "?status=rejected");

        // Verify
        Assert.Equal(2, JsonDocument.Parse(both.Body).RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(1, JsonDocument.Parse(rejected.Body).RootElement.GetProperty("items").GetArrayLength());
    }

    public static TheoryData<string> BadTokens() =>
    [
        new string('A', 5000),
        new string('A', 2049),
        "!!!not-base64!!!",
        Convert.ToBase64String(Encoding.UTF8.GetBytes("next\r\nX-Injected: 1")).TrimEnd('='),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("garbage-token-the-table-never-issued")).TrimEnd('='),
    ];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ListResults_BadOrOversizedContinuationToken_Answers400(string token)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        Keys keys = await AccessTestHarness.IssueKeysAsync(app);
        await AccessTestHarness.PrepareAsync(app);

        // Trigger
        RawResponse response = await AccessTestHarness.CallAsync(app, nameof(ListResults), Keys.Header(keys.OwnHospital),
            Substitute.For<DurableTaskClient>("test"), "unused", query: "?continuationToken=" + Uri.EscapeDataString(token));

        // Verify
        Assert.True(response.Status == StatusCodes.Status400BadRequest, $"{response.Status}: {response.Body}");
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        string? code = JsonDocument.Parse(response.Body).RootElement.GetProperty("code").GetString();
        Assert.Contains(code, new[] { ApiErrorCodes.InvalidContinuationToken, ApiErrorCodes.InvalidQuery });
    }
}
