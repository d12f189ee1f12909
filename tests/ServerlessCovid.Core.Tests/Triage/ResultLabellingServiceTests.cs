using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Triage;

[Collection(TestCollections.Azurite)]
public sealed class ResultLabellingServiceTests(AzuriteFixture azurite)
{
    // Races show up within a few trials when the code is wrong (the old code split 10 trials out of 10).
    private const int Trials = 5;

    private readonly StorageOptions _options = azurite.NewStorageOptions();

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(32)]
    public async Task ConfirmAsync_ConcurrentMixedLabels_OneCopyUnderTheRowsLabel(int writers)
    {
        for (int trial = 0; trial < Trials; trial++)
        {
            // Arrange: odd trials start from a label already given, so relabelling races too.
            (ResultLabellingService service, LabelledImageStore store, TriageResultStore results) = CreateServices();
            string hospital = $"t{trial}";
            TriageResult scored = await ScoredResultAsync(results, hospital, trial);
            HashSet<(string Label, string LabelledBy)> accepted = [];
            if (trial % 2 == 1)
            {
                await service.ConfirmAsync(hospital, scored.Id, ClassNames.Covid, "dr-first");
                accepted.Add((ClassNames.Covid, "dr-first"));
            }

            TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

            // Act: every writer waits at the gate, so all requests start together.
            Task<(string Label, string LabelledBy)?>[] labels = Enumerable.Range(0, writers)
                .Select(w => LabelAtGateAsync(service, gate.Task, hospital, scored.Id, w % 2 == 0 ? ClassNames.Covid : ClassNames.Normal, $"dr-{w}"))
                .ToArray();
            gate.SetResult();
            (string Label, string LabelledBy)?[] outcomes = await Task.WhenAll(labels);

            // Assert
            accepted.UnionWith(outcomes.OfType<(string, string)>());
            Assert.Contains(outcomes, o => o is not null);
            TriageResult row = (await results.GetAsync(hospital, scored.Id))!;
            Assert.Contains((row.ConfirmedLabel!, row.LabelledBy!), accepted);
            LabelledImage copy = Assert.Single(await store.ListAsync(hospital: hospital));
            Assert.Equal((row.ConfirmedLabel, row.LabelledImageBlobName, row.LabelledBy), (copy.Label, copy.BlobName, copy.LabelledBy));
            Assert.Equal(row.LabelledUtc, copy.LabelledUtc);
        }
    }

    [Fact]
    public async Task ConfirmAsync_OtherLabelAfterwards_RowAndSingleCopyFollowTheLastLabel()
    {
        // Arrange
        (ResultLabellingService service, LabelledImageStore store, TriageResultStore results) = CreateServices();
        TriageResult scored = await ScoredResultAsync(results, "h1", 0);
        await service.ConfirmAsync("h1", scored.Id, ClassNames.Covid, "dr-ada");

        // Act
        TriageResult? relabelled = await service.ConfirmAsync("h1", scored.Id, ClassNames.Normal, "dr-bob");
        TriageResult? repeated = await service.ConfirmAsync("h1", scored.Id, ClassNames.Normal, "dr-cy");

        // Assert: repeating the current label changes nothing, not even who gave it.
        Assert.Equal((ClassNames.Normal, "dr-bob"), (relabelled!.ConfirmedLabel, relabelled.LabelledBy));
        Assert.Equal(
            (relabelled.ConfirmedLabel, relabelled.LabelledBy, relabelled.LabelledUtc),
            (repeated!.ConfirmedLabel, repeated.LabelledBy, repeated.LabelledUtc));
        LabelledImage copy = Assert.Single(await store.ListAsync(hospital: "h1"));
        Assert.Equal((ClassNames.Normal, "dr-bob", relabelled.LabelledImageBlobName), (copy.Label, copy.LabelledBy, copy.BlobName));
    }

    [Fact]
    public async Task ConfirmAsync_UnsupportedImageFormat_RowKeepsNoLabel()
    {
        // Arrange
        (ResultLabellingService service, _, TriageResultStore results) = CreateServices();
        TriageResult scored = await ScoredResultAsync(results, "h1", 0, format: "pcx");

        // Act
        LabelledImageStoreException error = await Assert.ThrowsAsync<LabelledImageStoreException>(
            () => service.ConfirmAsync("h1", scored.Id, ClassNames.Covid, "dr-ada"));

        // Assert
        Assert.Equal(LabelledImageErrorCodes.UnsupportedExtension, error.Code);
        Assert.Null((await results.GetAsync("h1", scored.Id))!.ConfirmedLabel);
    }

    /// <summary>The label a call accepted, or null when it gave up with a label conflict (which callers may get).</summary>
    private static async Task<(string Label, string LabelledBy)?> LabelAtGateAsync(
        ResultLabellingService service, Task gate, string hospital, string id, string label, string labelledBy)
    {
        await gate;
        try
        {
            TriageResult? result = await service.ConfirmAsync(hospital, id, label, labelledBy);
            return (result!.ConfirmedLabel!, result.LabelledBy!);
        }
        catch (TriageRequestException ex) when (ex.Code == TriageErrorCodes.LabelConflict)
        {
            return null;
        }
    }

    private async Task<TriageResult> ScoredResultAsync(TriageResultStore results, string hospital, int index, string format = "png")
    {
        byte[] image = SyntheticXrayGenerator.Generate(5, index, 32).EncodePng();
        BlobContainerClient xrays = azurite.CreateBlobServiceClient().GetBlobContainerClient(_options.XraysContainer);
        await xrays.CreateIfNotExistsAsync();
        string name = $"{hospital}/x{index}.png";
        await xrays.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(image), overwrite: true);
        DateTimeOffset created = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        return await results.UpsertAsync(new TriageResult
        {
            Hospital = hospital,
            Id = ResultIds.ForBlob(hospital, $"x{index}.png"),
            Status = TriageStatus.Scored,
            Source = $"https://example/{_options.XraysContainer}/{name}",
            SourceName = $"x{index}.png",
            ImageContainer = _options.XraysContainer,
            ImageBlobName = name,
            ContentSha256 = ModelPackage.Sha256Hex(image),
            ImageFormat = format,
            Label = ClassNames.Covid,
            CreatedUtc = created,
            UpdatedUtc = created,
        });
    }

    private (ResultLabellingService Service, LabelledImageStore Store, TriageResultStore Results) CreateServices()
    {
        IOptions<StorageOptions> options = Options.Create(_options);
        BlobServiceClient blobs = azurite.CreateBlobServiceClient();
        TriageResultStore results = new(azurite.CreateTableServiceClient(), options, NullLogger<TriageResultStore>.Instance);
        LabelledImageStore store = new(blobs, options, TimeProvider.System, NullLogger<LabelledImageStore>.Instance);
        ResultLabellingService service = new(results, store, blobs, TimeProvider.System, NullLogger<ResultLabellingService>.Instance);
        return (service, store, results);
    }
}
