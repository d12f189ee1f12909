using Microsoft.AspNetCore.Http;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Http;

[Collection(TestCollections.Azurite)]
public sealed class ResultsApiTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task GetResult_OwnResult_Returns200()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<GetResult>().Run(request, "h1", id, CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.Equal((id, "h1", "covid"), (response.String("id"), response.String("hospital"), response.String("label")));
    }

    [Theory]
    [InlineData("h2", null)]
    [InlineData("h1", "0123456789abcdef0123456789abcdef")]
    [InlineData("h1", "not-an-id")]
    public async Task GetResult_OtherHospitalOrUnknownId_Returns404(string hospital, string? id)
    {
        // Setup: h1's result exists; h2 asks for it by its real id.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        string h1Id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<GetResult>().Run(request, hospital, id ?? h1Id, CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status404NotFound, response.Status);
        Assert.Equal(ApiErrorCodes.NotFound, response.String("code"));
    }

    [Fact]
    public async Task ListResults_FiveResults_PagesNewestFirstWithContinuationToken()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        List<string> ids = [];
        for (byte i = 0; i < 5; i++)
        {
            ids.Add(await TriageXrayTests.TriageAsync(app, "h1", i % 2 == 0 ? TestXrays.Covid(seed: i) : TestXrays.Normal(seed: i)));
            await Task.Delay(5); // distinct creation times (milliseconds are stored)
        }

        await TriageXrayTests.TriageAsync(app, "h2", TestXrays.Covid(seed: 99));
        ListResults function = app.Function<ListResults>();

        // Trigger
        List<string> listed = [];
        List<int> pages = [];
        string? token = null;
        do
        {
            string query = "?pageSize=2" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token));
            HttpRequest request = HttpTestRequests.Create(app.Provider, "GET", query: query);
            ExecutedResponse response = await HttpTestRequests.ExecuteAsync(await function.Run(request, "h1", CancellationToken.None), request);
            Assert.Equal(StatusCodes.Status200OK, response.Status);
            listed.AddRange(TriageXrayTests.Items(response).Select(item => item.GetProperty("id").GetString()!));
            pages.Add(TriageXrayTests.Items(response).Length);
            token = response.String("continuationToken");
        }
        while (token is not null);

        // Verify: newest first, never another hospital's row.
        Assert.Equal(Enumerable.Reverse(ids), listed);
        Assert.Equal([2, 2, 1], pages);
    }

    [Fact]
    public async Task ListResults_LabelAndStatusFilters_ReturnOnlyMatches()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Normal());
        HttpRequest bad = HttpTestRequests.Create(app.Provider, "POST", TestXrays.CorruptPng(), "image/png");
        await app.Function<TriageXray>().Run(bad, "h1", CancellationToken.None);
        ListResults function = app.Function<ListResults>();

        // Trigger
        HttpRequest normal = HttpTestRequests.Create(app.Provider, "GET", query: "?label=normal");
        HttpRequest rejected = HttpTestRequests.Create(app.Provider, "GET", query: "?status=rejected");
        ExecutedResponse normalResponse = await HttpTestRequests.ExecuteAsync(await function.Run(normal, "h1", CancellationToken.None), normal);
        ExecutedResponse rejectedResponse = await HttpTestRequests.ExecuteAsync(await function.Run(rejected, "h1", CancellationToken.None), rejected);

        // Verify
        Assert.Equal(["normal"], TriageXrayTests.Items(normalResponse).Select(i => i.GetProperty("label").GetString()));
        Assert.Equal(["corrupt"], TriageXrayTests.Items(rejectedResponse).Select(i => i.GetProperty("error").GetProperty("code").GetString()));
    }

    [Fact]
    public async Task ListResults_FromToWindow_ExcludesResultsOutsideIt()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        string future = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        HttpRequest later = HttpTestRequests.Create(app.Provider, "GET", query: "?from=" + Uri.EscapeDataString(future));
        HttpRequest earlier = HttpTestRequests.Create(app.Provider, "GET", query: "?to=" + Uri.EscapeDataString(future));

        // Trigger
        ListResults function = app.Function<ListResults>();
        ExecutedResponse laterResponse = await HttpTestRequests.ExecuteAsync(await function.Run(later, "h1", CancellationToken.None), later);
        ExecutedResponse earlierResponse = await HttpTestRequests.ExecuteAsync(await function.Run(earlier, "h1", CancellationToken.None), earlier);

        // Verify
        Assert.Empty(TriageXrayTests.Items(laterResponse));
        Assert.Single(TriageXrayTests.Items(earlierResponse));
    }

    [Theory]
    [InlineData("?status=queued", ApiErrorCodes.InvalidQuery)]
    [InlineData("?status=1", ApiErrorCodes.InvalidQuery)]
    [InlineData("?label=pneumonia", ApiErrorCodes.InvalidQuery)]
    [InlineData("?from=yesterday", ApiErrorCodes.InvalidQuery)]
    [InlineData("?pageSize=0", ApiErrorCodes.InvalidQuery)]
    [InlineData("?from=2026-02-01&to=2026-01-01", ApiErrorCodes.InvalidQuery)]
    [InlineData("?continuationToken=%2A%2A%2A", ApiErrorCodes.InvalidContinuationToken)]
    public async Task ListResults_BadQuery_Returns400WithCode(string query, string code)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET", query: query);

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<ListResults>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        Assert.Equal(code, response.String("code"));
    }
}
