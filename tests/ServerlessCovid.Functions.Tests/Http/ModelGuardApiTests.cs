using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Retraining;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Http;

/// <summary>The model endpoints when the registry holds something that cannot be served.</summary>
[Collection(TestCollections.Azurite)]
public sealed class ModelGuardApiTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("{ \"version\": ")]
    [InlineData("{ \"reason\": \"hand-edited\" }")]
    public async Task GetModel_MalformedCurrentJson_Returns503ProblemWithTheReason(string json)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        await Models(app).GetBlobClient("current.json").UploadAsync(BinaryData.FromString(json), overwrite: true);
        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(await app.Function<GetModel>().Run(request, CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(ApiErrorCodes.ModelUnavailable, response.String("code"));
        Assert.Contains("current.json is malformed", response.String("detail"), StringComparison.Ordinal);
        Assert.Equal("45", response.Headers.RetryAfter.ToString());
    }

    [Theory]
    [InlineData("{ \"version\": ", "manifest.json is malformed")]
    [InlineData(null, "manifest.json is missing")]
    public async Task GetModel_CurrentVersionsManifestMalformedOrMissing_Returns503Problem(string? manifest, string expectedDetail)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = Models(app).GetBlobClient("v1/manifest.json");
        if (manifest is null)
        {
            await blob.DeleteAsync();
        }
        else
        {
            await blob.UploadAsync(BinaryData.FromString(manifest), overwrite: true);
        }

        HttpRequest request = HttpTestRequests.Create(app.Provider, "GET");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(await app.Function<GetModel>().Run(request, CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(ApiErrorCodes.ModelUnavailable, response.String("code"));
        Assert.Contains(expectedDetail, response.String("detail"), StringComparison.Ordinal);
        Assert.Equal("45", response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task RollbackModel_VersionOnnxRuntimeCannotLoad_Returns422AndCurrentUnchanged()
    {
        // Setup: v1's folder replaced by a self-consistent package whose bytes are not ONNX; v2 is current.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        CurrentModelPointer v1 = await app.PublishAsync(TestModelPackages.Create("v1"));
        CurrentModelPointer v2 = await app.PublishAsync(TestModelPackages.Create("v2", scale: -10f), v1.ETag);
        ModelPackage broken = ModelPackage.Create(TestModelPackages.Create("v1").Manifest with { OnnxSha256 = string.Empty }, [1, 2, 3, 4]);
        await Models(app).GetBlobClient("v1/model.onnx").UploadAsync(new BinaryData(broken.Onnx), overwrite: true);
        await Models(app).GetBlobClient("v1/manifest.json").UploadAsync(BinaryData.FromString(broken.Manifest.ToJson()), overwrite: true);
        HttpRequest request = HttpTestRequests.Json(app.Provider, new { version = "v1", reason = "v2 misbehaves" });

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<RollbackModel>().Run(request, CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, response.Status);
        Assert.Equal(RollbackModel.ModelNotServable, response.String("code"));
        Assert.Contains("ONNX Runtime cannot load", response.String("detail"), StringComparison.Ordinal);
        Assert.Equal(v2, await app.Registry.GetCurrentAsync());
    }

    private static BlobContainerClient Models(FunctionsTestApp app) => app.Blobs.GetBlobContainerClient(app.Storage.ModelsContainer);
}
