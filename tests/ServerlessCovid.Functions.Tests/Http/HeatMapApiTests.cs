using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Functions.Tests.Http;

/// <summary>Heat maps end to end: triage stores the overlay and grid, the result links it, the route serves it.</summary>
[Collection(TestCollections.Azurite)]
public sealed class HeatMapApiTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TriageXray_ModelWithCam_RowAndResponseCarryGridAndLink()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.CreateWithCam("v1"));

        // Trigger
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        (TriageResult row, ExecutedResponse response) = await ReadResultAsync(app, id);

        // Verify: the row keeps the 8×8 grid and the blob name; the blob is there; the API links the route.
        Assert.Equal(HeatMapStore.BlobName("h1", id), row.HeatMapBlobName);
        Assert.Equal((8, 8, 64), (row.ActivationMap!.Width, row.ActivationMap.Height, row.ActivationMap.Values.Length));
        Assert.True(await app.Blobs.GetBlobContainerClient(app.Storage.HeatMapsContainer).GetBlobClient(row.HeatMapBlobName).ExistsAsync());
        JsonElement heatMap = response.Body.GetProperty("heatMap");
        Assert.Equal($"/api/hospitals/h1/results/{id}/heatmap", heatMap.GetProperty("link").GetString());
        Assert.Equal(64, heatMap.GetProperty("grid").GetProperty("values").GetArrayLength());
        Assert.Equal(row.ActivationMap.Values[0], heatMap.GetProperty("grid").GetProperty("values")[0].GetSingle());
    }

    [Fact]
    public async Task GetResultHeatMap_OwnResult_ReturnsOverlayPng()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.CreateWithCam("v1"));
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());

        // Trigger
        (int status, string? contentType, byte[] body) = await CallAsync(app, "h1", id);

        // Verify
        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Equal("image/png", contentType);
        using Image<Rgb24> png = Image.Load<Rgb24>(body);
        Assert.Equal((HeatMapOverlay.Width, HeatMapOverlay.Height), (png.Width, png.Height));
    }

    [Fact]
    public async Task GetResultHeatMap_OtherHospitalAskingForTheId_Returns404()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.CreateWithCam("v1"));
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());

        // Trigger
        (int status, string? contentType, _) = await CallAsync(app, "h2", id);

        // Verify
        Assert.Equal(StatusCodes.Status404NotFound, status);
        Assert.StartsWith("application/problem+json", contentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriageXray_PackageWithoutCam_ServesWithoutHeatMapOrError()
    {
        // Setup: the graph every package had before the cam output existed.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("old"));

        // Trigger
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        (TriageResult row, ExecutedResponse response) = await ReadResultAsync(app, id);
        (int heatMapStatus, _, _) = await CallAsync(app, "h1", id);

        // Verify
        Assert.Equal(("covid", null, null), (row.Label, row.HeatMapBlobName, row.ActivationMap));
        Assert.Equal(JsonValueKind.Null, response.Body.TryGetProperty("heatMap", out JsonElement link) ? link.ValueKind : JsonValueKind.Null);
        Assert.Equal(StatusCodes.Status404NotFound, heatMapStatus);
    }

    private static async Task<(TriageResult Row, ExecutedResponse Response)> ReadResultAsync(FunctionsTestApp app, string id)
    {
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<GetResult>().Run(request, "h1", id, CancellationToken.None), request);
        return ((await app.Results.GetAsync("h1", id))!, response);
    }

    private static async Task<(int Status, string? ContentType, byte[] Body)> CallAsync(FunctionsTestApp app, string hospital, string id)
    {
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");
        IActionResult result = await app.Function<GetResultHeatMap>().Run(request, hospital, id, CancellationToken.None);
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        HttpResponse response = request.HttpContext.Response;
        response.Body.Position = 0;
        using MemoryStream body = new();
        await response.Body.CopyToAsync(body);
        return (response.StatusCode, response.ContentType, body.ToArray());
    }
}
