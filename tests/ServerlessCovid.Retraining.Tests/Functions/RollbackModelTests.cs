using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Retraining;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Retraining.Tests.Functions;

[Collection(TestCollections.Azurite)]
public sealed class RollbackModelTests(AzuriteFixture azurite)
{
    private BlobModelRegistry NewRegistry(out StorageOptions storage)
    {
        storage = azurite.NewStorageOptions();
        return new BlobModelRegistry(
            azurite.CreateBlobServiceClient(), Options.Create(storage), TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
    }

    private static HttpRequest Post(string json)
    {
        DefaultHttpContext context = new() { RequestServices = new ServiceCollection().BuildServiceProvider() };
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return context.Request;
    }

    [Fact]
    public async Task Run_PublishedEarlierVersion_SwitchesCurrentBack()
    {
        // Arrange
        BlobModelRegistry registry = NewRegistry(out _);
        await registry.PublishAsync(RetrainingTestEnvironment.ChampionPackage("v1"), null, null);
        CurrentModelPointer v2 = await registry.PublishAsync(RetrainingTestEnvironment.ChampionPackage("v2"), null, (await registry.GetCurrentAsync())!.ETag);

        // Act
        IActionResult result = await new RollbackModel(registry).Run(Post("""{ "version": "v1", "reason": "v2 misbehaves" }"""), CancellationToken.None);

        // Assert
        JsonResponse response = Assert.IsType<JsonResponse>(result);
        Assert.Equal(StatusCodes.Status200OK, response.StatusCode);
        CurrentModelPointer current = (await registry.GetCurrentAsync())!;
        Assert.Equal("v1", current.Version);
        Assert.Equal("v2 misbehaves", current.Reason);
        Assert.NotEqual(v2.ETag, current.ETag);
    }

    [Theory]
    [InlineData("""{ "version": "never-published" }""", StatusCodes.Status404NotFound, RollbackModel.VersionNotFound)]
    [InlineData("""{ "version": "../models" }""", StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidBody)]
    [InlineData("""{ "reason": "no version" }""", StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidBody)]
    [InlineData("not json", StatusCodes.Status400BadRequest, ApiErrorCodes.InvalidBody)]
    public async Task Run_BadRequest_AnswersProblemAndLeavesCurrentUnchanged(string body, int status, string code)
    {
        // Arrange
        BlobModelRegistry registry = NewRegistry(out _);
        CurrentModelPointer before = await registry.PublishAsync(RetrainingTestEnvironment.ChampionPackage("v1"), null, null);

        // Act
        IActionResult result = await new RollbackModel(registry).Run(Post(body), CancellationToken.None);

        // Assert
        JsonResponse response = Assert.IsType<JsonResponse>(result);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, Assert.IsType<Dictionary<string, object?>>(response.Value)["code"]);
        Assert.Equal(before.ETag, (await registry.GetCurrentAsync())!.ETag);
    }
}
