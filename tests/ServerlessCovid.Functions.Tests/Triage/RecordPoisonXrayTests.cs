using System.Text.Json;
using Azure.Storage.Blobs;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Triage;

[Collection(TestCollections.Azurite)]
public sealed class RecordPoisonXrayTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_PoisonMessageForXray_WritesFailedRow()
    {
        // Setup: the host gave up on a blob (e.g. no model could be loaded five times).
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        byte[] image = TestXrays.Covid();
        BlobClient blob = await app.UploadXrayAsync("h1/a.png", image);

        // Trigger
        await app.Function<RecordPoisonXray>().Run(Message(app.Storage.XraysContainer, "h1/a.png"), CancellationToken.None);

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "a.png")))!;
        Assert.Equal(TriageStatus.Failed, row.Status);
        Assert.Equal(TriageFailureCodes.RetriesExhausted, row.ErrorCode);
        Assert.Equal(ModelPackage.Sha256Hex(image), row.ContentSha256);
        Assert.Equal(blob.Uri.ToString(), row.Source);
    }

    [Fact]
    public async Task Run_PoisonMessageAfterTheBlobWasScored_KeepsTheScoredRow()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/a.png", TestXrays.Covid());
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Trigger
        await app.Function<RecordPoisonXray>().Run(Message(app.Storage.XraysContainer, "h1/a.png"), CancellationToken.None);

        // Verify
        Assert.Equal(TriageStatus.Scored, (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "a.png")))!.Status);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"Type\":\"BlobTrigger\"}")]
    public async Task Run_UnreadableMessage_IsIgnoredWithoutThrowing(string message)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);

        // Trigger + Verify: returning normally keeps it out of the poison queue's own poison queue.
        await app.Function<RecordPoisonXray>().Run(message, CancellationToken.None);
        Assert.Empty((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
    }

    [Fact]
    public async Task Run_MessageForAnotherContainer_WritesNothing()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);

        // Trigger
        await app.Function<RecordPoisonXray>().Run(Message("somebody-elses", "h1/a.png"), CancellationToken.None);

        // Verify
        Assert.Empty((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
    }

    /// <summary>The message shape the blob extension writes (BlobTriggerMessage).</summary>
    private static string Message(string container, string blobName) => JsonSerializer.Serialize(new
    {
        Type = "BlobTrigger",
        FunctionId = "Host.Functions.TriageUploadedXray",
        BlobType = "BlockBlob",
        ContainerName = container,
        BlobName = blobName,
        ETag = "\"0x8DC0000000000000\"",
    });
}
