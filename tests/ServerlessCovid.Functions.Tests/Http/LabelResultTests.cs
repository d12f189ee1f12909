using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Http;

[Collection(TestCollections.Azurite)]
public sealed class LabelResultTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_ScoredHttpResult_StoresLabelAndCopiesTheImageIdempotently()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] image = TestXrays.Covid();
        string id = await TriageXrayTests.TriageAsync(app, "h1", image);
        string expectedBlob = $"normal/h1/{id}-{ModelPackage.Sha256Hex(image)[..12]}.png";

        // Trigger: the same confirmation delivered twice.
        ExecutedResponse first = await LabelAsync(app, "h1", id, "normal", "dr-ada");
        ExecutedResponse second = await LabelAsync(app, "h1", id, "normal", "dr-ada");

        // Verify
        Assert.Equal(StatusCodes.Status200OK, first.Status);
        Assert.Equal(StatusCodes.Status200OK, second.Status);
        Assert.Equal(("normal", "dr-ada", "covid"), (second.String("confirmedLabel"), second.String("labelledBy"), second.String("label")));
        BlobContainerClient labelled = app.Blobs.GetBlobContainerClient(app.Storage.LabelledContainer);
        string[] blobs = await labelled.GetBlobsAsync().Select(b => b.Name).ToArrayAsync();
        Assert.Equal([expectedBlob], blobs);
        Assert.Equal(image, (await labelled.GetBlobClient(expectedBlob).DownloadContentAsync()).Value.Content.ToArray());
        TriageResult stored = (await app.Results.GetAsync("h1", id))!;
        Assert.Equal((ClassNames.Normal, expectedBlob), (stored.ConfirmedLabel, stored.LabelledImageBlobName));
    }

    [Fact]
    public async Task Run_Relabel_MovesTheCopyToTheOtherLabel()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        await LabelAsync(app, "h1", id, "normal", "dr-ada");

        // Trigger
        ExecutedResponse response = await LabelAsync(app, "h1", id, "covid", "dr-bob");

        // Verify
        Assert.Equal("covid", response.String("confirmedLabel"));
        string[] blobs = await app.Blobs.GetBlobContainerClient(app.Storage.LabelledContainer).GetBlobsAsync().Select(b => b.Name).ToArrayAsync();
        Assert.Single(blobs, name => name.StartsWith("covid/h1/", StringComparison.Ordinal));
        Assert.DoesNotContain(blobs, name => name.StartsWith("normal/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ConcurrentOppositeLabels_OneCopyUnderTheLabelTheResultHolds()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());

        // Trigger: two clinicians per label, all at once.
        ExecutedResponse[] responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(
            i => Task.Run(() => LabelAsync(app, "h1", id, i % 2 == 0 ? "covid" : "normal", $"dr-{i}"))));

        // Verify: every caller got its label accepted, or the typed conflict that says to send it again.
        Assert.All(responses, r => Assert.True(
            r.Status == StatusCodes.Status200OK || (r.Status == StatusCodes.Status409Conflict && r.String("code") == TriageErrorCodes.LabelConflict)));
        TriageResult stored = (await app.Results.GetAsync("h1", id))!;
        string[] blobs = await app.Blobs.GetBlobContainerClient(app.Storage.LabelledContainer).GetBlobsAsync().Select(b => b.Name).ToArrayAsync();
        Assert.Equal([stored.LabelledImageBlobName!], blobs);
        Assert.StartsWith(stored.ConfirmedLabel + "/h1/", blobs[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BlobTriggeredResult_CopiesFromTheXrayContainer()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] image = TestXrays.Normal();
        BlobClient blob = await app.UploadXrayAsync("h1/ward/a.png", image);
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
        string id = ResultIds.ForBlob("h1", "ward/a.png");

        // Trigger
        ExecutedResponse response = await LabelAsync(app, "h1", id, "normal", "dr-ada");

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        string copy = (await app.Results.GetAsync("h1", id))!.LabelledImageBlobName!;
        Assert.Equal(image, (await app.Blobs.GetBlobContainerClient(app.Storage.LabelledContainer).GetBlobClient(copy).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Run_BlobOverwrittenAfterScoring_Returns409ImageChanged()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/a.png", TestXrays.Normal());
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
        await app.UploadXrayAsync("h1/a.png", TestXrays.Covid());

        // Trigger
        ExecutedResponse response = await LabelAsync(app, "h1", ResultIds.ForBlob("h1", "a.png"), "normal", "dr-ada");

        // Verify
        Assert.Equal(StatusCodes.Status409Conflict, response.Status);
        Assert.Equal(TriageErrorCodes.ImageChanged, response.String("code"));
    }

    [Fact]
    public async Task Run_OtherHospitalsResult_Returns404AndCopiesNothing()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());

        // Trigger
        ExecutedResponse response = await LabelAsync(app, "h2", id, "normal", "mallory");

        // Verify
        Assert.Equal(StatusCodes.Status404NotFound, response.Status);
        Assert.Null((await app.Results.GetAsync("h1", id))!.ConfirmedLabel);
    }

    [Fact]
    public async Task Run_RejectedResult_Returns409NotLabellable()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        HttpRequest bad = HttpTestRequests.Create(app.Provider, "POST", TestXrays.CorruptPng(), "image/png");
        ExecutedResponse rejected = await HttpTestRequests.ExecuteAsync(await app.Function<TriageXray>().Run(bad, "h1", CancellationToken.None), bad);

        // Trigger
        ExecutedResponse response = await LabelAsync(app, "h1", rejected.String("resultId")!, "normal", "dr-ada");

        // Verify
        Assert.Equal(StatusCodes.Status409Conflict, response.Status);
        Assert.Equal(TriageErrorCodes.NotLabellable, response.String("code"));
    }

    [Theory]
    [InlineData("pneumonia", "dr-ada")]
    [InlineData("normal", "")]
    [InlineData(null, "dr-ada")]
    public async Task Run_BadLabelOrLabeller_Returns400(string? label, string labelledBy)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());

        // Trigger
        ExecutedResponse response = await LabelAsync(app, "h1", id, label, labelledBy);

        // Verify
        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        Assert.Equal(TriageErrorCodes.InvalidLabel, response.String("code"));
    }

    [Fact]
    public async Task Run_MalformedJson_Returns400InvalidBody()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", "{label:"u8.ToArray(), "application/json");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<LabelResult>().Run(request, "h1", "0123456789abcdef0123456789abcdef", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        Assert.Equal(ApiErrorCodes.InvalidBody, response.String("code"));
    }

    private static async Task<ExecutedResponse> LabelAsync(FunctionsTestApp app, string hospital, string id, string? label, string labelledBy)
    {
        HttpRequest request = HttpTestRequests.Json(app.Provider, new { label, labelledBy });
        return await HttpTestRequests.ExecuteAsync(
            await app.Function<LabelResult>().Run(request, hospital, id, CancellationToken.None), request);
    }
}
