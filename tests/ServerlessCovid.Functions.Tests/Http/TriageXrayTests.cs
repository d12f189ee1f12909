using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Http;

[Collection(TestCollections.Azurite)]
public sealed class TriageXrayTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_RawPng_Returns200WithTheStoredResultAndKeepsTheImage()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] image = TestXrays.Covid();
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", image, "image/png");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.Equal("application/json; charset=utf-8", response.ContentType);
        string id = response.String("id")!;
        Assert.Equal(ResultIds.ForHttp("h1", ModelPackage.Sha256Hex(image)), id);
        Assert.Equal(("scored", "covid", "http"), (response.String("status"), response.String("label"), response.String("source")));
        Assert.Equal(Disclaimers.ResearchOnly, response.String("disclaimer"));
        Assert.Equal(0.5, response.Body.GetProperty("threshold").GetDouble());
        TriageResult stored = (await app.Results.GetAsync("h1", id))!;
        Assert.Equal(TriageStatus.Scored, stored.Status);
        byte[] kept = (await app.Blobs.GetBlobContainerClient(app.Storage.UploadsContainer)
            .GetBlobClient($"h1/{id}.png").DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(image, kept);
    }

    [Fact]
    public async Task Run_MultipartUpload_Returns200()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        HttpRequest request = await HttpTestRequests.MultipartAsync(app.Provider, TestXrays.Normal(), "scan.png");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.Equal("normal", response.String("label"));
    }

    [Fact]
    public async Task Run_SameImageTwice_SameIdAndOneRow()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        TriageXray function = app.Function<TriageXray>();

        // Trigger
        HttpRequest first = HttpTestRequests.Create(app.Provider, "POST", TestXrays.Covid(), "image/png");
        HttpRequest second = HttpTestRequests.Create(app.Provider, "POST", TestXrays.Covid(), "image/png");
        ExecutedResponse a = await HttpTestRequests.ExecuteAsync(await function.Run(first, "h1", CancellationToken.None), first);
        ExecutedResponse b = await HttpTestRequests.ExecuteAsync(await function.Run(second, "h1", CancellationToken.None), second);

        // Verify
        Assert.Equal(a.String("id"), b.String("id"));
        Assert.Single((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
    }

    [Theory]
    [InlineData("corrupt", StatusCodes.Status422UnprocessableEntity, ImageErrorCodes.Corrupt)]
    [InlineData("empty", StatusCodes.Status400BadRequest, ImageErrorCodes.Empty)]
    [InlineData("text", StatusCodes.Status415UnsupportedMediaType, ImageErrorCodes.UnsupportedFormat)]
    public async Task Run_BadImage_ReturnsProblemWithStableCodeAndStoresRejectedRow(string kind, int status, string code)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] body = kind switch
        {
            "corrupt" => TestXrays.CorruptPng(),
            "empty" => [],
            _ => "not an image"u8.ToArray(),
        };
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", body, "application/octet-stream");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(status, response.Status);
        Assert.Equal("application/problem+json; charset=utf-8", response.ContentType);
        Assert.Equal(code, response.String("code"));
        Assert.Equal(status, response.Body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(response.String("detail")));
        TriageResult stored = (await app.Results.GetAsync("h1", response.String("resultId")!))!;
        Assert.Equal((TriageStatus.Rejected, code), (stored.Status, stored.ErrorCode));
    }

    [Fact]
    public async Task Run_BodyOverTheByteLimit_Returns413BeforeScoring()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite, new Dictionary<string, string?> { ["Imaging:MaxBytes"] = "100" });
        await app.PublishAsync(TestModelPackages.Create("v1"));
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", TestXrays.Covid(), "image/png");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, response.Status);
        Assert.Equal(ImageErrorCodes.TooLarge, response.String("code"));
    }

    [Fact]
    public async Task Run_JsonBody_IsSniffedAndReturns415UnsupportedFormat()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        HttpRequest request = HttpTestRequests.Json(app.Provider, new { image = "base64?" });

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, response.Status);
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, response.String("code"));
    }

    [Fact]
    public async Task Run_NoModelPublished_Returns503WithRetryAfter()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", TestXrays.Covid(), "image/png");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, response.Status);
        Assert.Equal("45", response.Headers.RetryAfter.ToString());
        Assert.Equal(ApiErrorCodes.ModelUnavailable, response.String("code"));
    }

    [Fact]
    public async Task Run_InvalidHospital_Returns400()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", TestXrays.Covid(), "image/png");

        // Trigger
        IActionResult result = await app.Function<TriageXray>().Run(request, "Bad_Hospital", CancellationToken.None);
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(result, request);

        // Verify
        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        Assert.Equal(TriageErrorCodes.InvalidHospital, response.String("code"));
    }

    [Theory]
    [InlineData(ImageErrorCodes.Empty, 400)]
    [InlineData(ImageErrorCodes.TooLarge, 413)]
    [InlineData(ImageErrorCodes.UnsupportedFormat, 415)]
    [InlineData(ImageErrorCodes.Corrupt, 422)]
    [InlineData(ImageErrorCodes.DimensionsOutOfRange, 422)]
    public void StatusForImageError_EveryCode_MapsToItsStatus(string code, int status)
    {
        // Act + Assert
        Assert.Equal(status, TriageXray.StatusForImageError(code));
    }

    internal static async Task<string> TriageAsync(FunctionsTestApp app, string hospital, byte[] image)
    {
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", image, "image/png");
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, hospital, CancellationToken.None), request);
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        return response.String("id")!;
    }

    internal static JsonElement[] Items(ExecutedResponse response) => [.. response.Body.GetProperty("items").EnumerateArray()];
}
