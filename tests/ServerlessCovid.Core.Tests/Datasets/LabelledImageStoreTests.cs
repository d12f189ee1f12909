using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.DependencyInjection;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Datasets;

[Collection(TestCollections.Azurite)]
public sealed class LabelledImageStoreTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 1, 2, 3, TimeSpan.Zero);
    private readonly StorageOptions _options = azurite.NewStorageOptions();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "labelled-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task AddAsync_NewImage_StoredUnderLayoutWithMetadata()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        BinaryData png = Png(1);

        // Act
        LabelledImageAddResult result = await store.AddAsync(
            Request("st-marys", "r-001", ClassNames.Covid) with { GroupId = "patient 7", LabelledBy = "Dr. Zoë", Source = "xrays/st-marys/a.png" },
            png);

        // Assert
        Assert.Equal(LabelledImageAddStatus.Created, result.Status);
        Assert.Equal("covid/st-marys/r-001.png", result.Image.BlobName);
        BlobProperties properties = (await Container(_options.LabelledContainer).GetBlobClient("covid/st-marys/r-001.png").GetPropertiesAsync()).Value;
        Assert.Equal(ModelPackage.Sha256Hex(png.ToMemory().Span), properties.Metadata["sha256"]);
        Assert.Equal("2026-11-27T01:02:03.0000000Z", properties.Metadata["labelledutc"]);
        Assert.Equal("image/png", properties.ContentType);
        LabelledImage listed = Assert.Single(await store.ListAsync());
        Assert.Equal("Dr. Zoë", listed.LabelledBy);
        Assert.Equal("patient 7", listed.GroupId);
        Assert.Equal("xrays/st-marys/a.png", listed.Source);
        Assert.Equal(Now, listed.LabelledUtc);
        Assert.Equal(result.Image.ETag, listed.ETag);
    }

    [Fact]
    public async Task AddAsync_SameRequestTwice_AlreadyPresentAndOneBlob()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        LabelledImageRequest request = Request("h1", "r1", ClassNames.Normal);

        // Act
        LabelledImageAddResult first = await store.AddAsync(request, Png(2));
        LabelledImageAddResult second = await store.AddAsync(request, Png(2));

        // Assert
        Assert.Equal(LabelledImageAddStatus.Created, first.Status);
        Assert.Equal(LabelledImageAddStatus.AlreadyPresent, second.Status);
        Assert.Equal(first.Image.ETag, second.Image.ETag);
        Assert.Single(await store.ListAsync());
    }

    [Fact]
    public async Task AddAsync_OtherLabelForSameId_RelabelledAndOldBlobGone()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        await store.AddAsync(Request("h1", "r1", ClassNames.Normal), Png(3));

        // Act
        LabelledImageAddResult result = await store.AddAsync(Request("h1", "r1", ClassNames.Covid), Png(3));

        // Assert
        Assert.Equal(LabelledImageAddStatus.Relabelled, result.Status);
        LabelledImage only = Assert.Single(await store.ListAsync());
        Assert.Equal("covid/h1/r1.png", only.BlobName);
    }

    [Fact]
    public async Task AddAsync_SameIdDifferentBytes_ConflictingContent()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        await store.AddAsync(Request("h1", "r1", ClassNames.Covid), Png(4));

        // Act
        LabelledImageStoreException error = await Assert.ThrowsAsync<LabelledImageStoreException>(
            () => store.AddAsync(Request("h1", "r1", ClassNames.Covid), Png(5)));

        // Assert
        Assert.Equal(LabelledImageErrorCodes.ConflictingContent, error.Code);
    }

    [Theory]
    [InlineData("h1", "r1", "sick", "png", LabelledImageErrorCodes.InvalidLabel)]
    [InlineData("../h1", "r1", ClassNames.Covid, "png", LabelledImageErrorCodes.InvalidName)]
    [InlineData("h1", "a/b", ClassNames.Covid, "png", LabelledImageErrorCodes.InvalidName)]
    [InlineData("h1", "r1", ClassNames.Covid, "pcx", LabelledImageErrorCodes.UnsupportedExtension)]
    [InlineData("h1", "r1", ClassNames.Covid, "dicom", LabelledImageErrorCodes.UnsupportedExtension)]
    public async Task AddAsync_InvalidRequest_TypedErrorAndNothingStored(
        string hospital, string id, string label, string extension, string expectedCode)
    {
        // Arrange
        LabelledImageStore store = CreateStore();

        // Act
        LabelledImageStoreException error = await Assert.ThrowsAsync<LabelledImageStoreException>(
            () => store.AddAsync(Request(hospital, id, label) with { Extension = extension }, Png(6)));

        // Assert
        Assert.Equal(expectedCode, error.Code);
        Assert.Empty(await store.ListAsync());
    }

    [Fact]
    public async Task AddAsync_EmptyContent_EmptyImageError()
    {
        // Act
        LabelledImageStoreException error = await Assert.ThrowsAsync<LabelledImageStoreException>(
            () => CreateStore().AddAsync(Request("h1", "r1", ClassNames.Covid), BinaryData.Empty));

        // Assert
        Assert.Equal(LabelledImageErrorCodes.EmptyImage, error.Code);
    }

    [Fact]
    public async Task MirrorAsync_CopiesUnderBothLabels_OnlyTheRequestedLabelRemains()
    {
        // Arrange: the split that two unsynchronised writers used to leave.
        LabelledImageStore store = CreateStore();
        await store.AddAsync(Request("h1", "r1", ClassNames.Covid), Png(8));
        await Container(_options.LabelledContainer).GetBlobClient("normal/h1/r1.png").UploadAsync(
            Png(8), new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["sha256"] = ModelPackage.Sha256Hex(Png(8).ToMemory().Span) } });

        // Act
        LabelledImageAddResult result = await store.MirrorAsync(Request("h1", "r1", ClassNames.Normal), Png(8));

        // Assert
        Assert.Equal(LabelledImageAddStatus.Relabelled, result.Status);
        LabelledImage only = Assert.Single(await store.ListAsync());
        Assert.Equal(("normal/h1/r1.png", "radiologist-1"), (only.BlobName, only.LabelledBy));
    }

    [Fact]
    public async Task MirrorAsync_CopyFromAnotherLabeller_MetadataFollowsTheRequest()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        DateTimeOffset later = Now.AddMinutes(5);
        await store.AddAsync(Request("h1", "r1", ClassNames.Covid), Png(9));

        // Act
        LabelledImageAddResult result = await store.MirrorAsync(
            Request("h1", "r1", ClassNames.Covid) with { LabelledBy = "dr-bob", LabelledUtc = later }, Png(9));

        // Assert
        Assert.Equal(LabelledImageAddStatus.AlreadyPresent, result.Status);
        LabelledImage only = Assert.Single(await store.ListAsync());
        Assert.Equal(("dr-bob", later, result.Image.ETag), (only.LabelledBy, only.LabelledUtc, only.ETag));
    }

    [Fact]
    public async Task MirrorAsync_SameIdDifferentBytes_ConflictingContent()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        await store.AddAsync(Request("h1", "r1", ClassNames.Covid), Png(4));

        // Act
        LabelledImageStoreException error = await Assert.ThrowsAsync<LabelledImageStoreException>(
            () => store.MirrorAsync(Request("h1", "r1", ClassNames.Covid), Png(5)));

        // Assert
        Assert.Equal(LabelledImageErrorCodes.ConflictingContent, error.Code);
    }

    [Fact]
    public async Task AddFromBlobAsync_UploadedXray_CopiedWithSourceRecorded()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        BlobContainerClient xrays = Container(_options.XraysContainer);
        await xrays.CreateIfNotExistsAsync();
        BlobClient source = xrays.GetBlobClient("h2/upload-9.png");
        await source.UploadAsync(Png(7));

        // Act
        LabelledImageAddResult result = await store.AddFromBlobAsync(Request("h2", "upload-9", ClassNames.Normal), source);
        LabelledImageStoreException missing = await Assert.ThrowsAsync<LabelledImageStoreException>(
            () => store.AddFromBlobAsync(Request("h2", "nope", ClassNames.Normal), xrays.GetBlobClient("h2/nope.png")));

        // Assert
        Assert.Equal(ModelPackage.Sha256Hex(Png(7).ToMemory().Span), result.Image.Sha256);
        Assert.EndsWith("h2/upload-9.png", result.Image.Source, StringComparison.Ordinal);
        Assert.Equal(LabelledImageErrorCodes.SourceNotFound, missing.Code);
    }

    [Fact]
    public async Task ListAsync_LabelAndHospitalFilters_OnlyMatching()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        await store.AddAsync(Request("h1", "a", ClassNames.Covid), Png(10));
        await store.AddAsync(Request("h2", "b", ClassNames.Covid), Png(11));
        await store.AddAsync(Request("h1", "c", ClassNames.Normal), Png(12));

        // Act
        IReadOnlyList<LabelledImage> covid = await store.ListAsync(ClassNames.Covid);
        IReadOnlyList<LabelledImage> h1 = await store.ListAsync(hospital: "h1");

        // Assert
        Assert.Equal(["covid/h1/a.png", "covid/h2/b.png"], covid.Select(i => i.BlobName));
        Assert.Equal(["covid/h1/a.png", "normal/h1/c.png"], h1.Select(i => i.BlobName));
    }

    [Fact]
    public async Task CreateSnapshotAsync_ThenDownload_ImmutableManifestAndTrainingLayout()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        await store.AddAsync(Request("h1", "a", ClassNames.Covid) with { GroupId = "p1" }, Png(20));
        await store.AddAsync(Request("h1", "b", ClassNames.Covid) with { GroupId = "p1" }, Png(21));
        await store.AddAsync(Request("h2", "c", ClassNames.Covid), Png(22));
        await store.AddAsync(Request("h2", "d", ClassNames.Normal) with { Extension = "jpg" }, Png(23));

        // Act
        DatasetSnapshot snapshot = await store.CreateSnapshotAsync("run-1");
        DatasetSnapshot reread = await store.GetSnapshotAsync("run-1");
        SnapshotDownloadResult download = await store.DownloadSnapshotAsync(reread, _directory);

        // Assert
        Assert.Equal(3, snapshot.Count(ClassNames.Covid));
        Assert.Equal(1, snapshot.Count(ClassNames.Normal));
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 2, ["h2"] = 2 }, snapshot.CountsPerHospital);
        Assert.Equal(snapshot.Items, reread.Items);
        Assert.Equal(Now, reread.CreatedUtc);
        Assert.True(await Container(_options.RetrainingContainer).GetBlobClient("snapshots/run-1.json").ExistsAsync());
        Assert.Empty(download.Problems);
        IReadOnlyList<DatasetManifestEntry> manifest = DatasetManifest.Read(_directory);
        Assert.Equal(download.Entries, manifest);
        Assert.Equal(["covid/h1-a.png", "covid/h1-b.png", "covid/h2-c.png", "normal/h2-d.jpg"], manifest.Select(e => e.File));
        Assert.Equal(["p1", "p1", "h2/c", "h2/d"], manifest.Select(e => e.PatientId));
        Assert.Equal(Png(22).ToArray(), File.ReadAllBytes(Path.Combine(_directory, "covid", "h2-c.png")));
    }

    [Fact]
    public async Task CreateSnapshotAsync_SameIdTwice_SnapshotExists()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        await store.CreateSnapshotAsync("once");

        // Act
        LabelledImageStoreException error = await Assert.ThrowsAsync<LabelledImageStoreException>(() => store.CreateSnapshotAsync("once"));

        // Assert
        Assert.Equal(LabelledImageErrorCodes.SnapshotExists, error.Code);
    }

    [Fact]
    public async Task GetSnapshotAsync_Unknown_SnapshotNotFound()
    {
        // Act
        LabelledImageStoreException error = await Assert.ThrowsAsync<LabelledImageStoreException>(() => CreateStore().GetSnapshotAsync("missing"));

        // Assert
        Assert.Equal(LabelledImageErrorCodes.SnapshotNotFound, error.Code);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_ItemRelabelledAfterSnapshot_ReportedNotWritten()
    {
        // Arrange
        LabelledImageStore store = CreateStore();
        await store.AddAsync(Request("h1", "a", ClassNames.Covid), Png(30));
        await store.AddAsync(Request("h1", "b", ClassNames.Normal), Png(31));
        DatasetSnapshot snapshot = await store.CreateSnapshotAsync();
        await store.AddAsync(Request("h1", "a", ClassNames.Normal), Png(30));

        // Act
        SnapshotDownloadResult download = await store.DownloadSnapshotAsync(snapshot, _directory);

        // Assert
        Assert.Equal("covid/h1/a.png", Assert.Single(download.Problems).BlobName);
        Assert.Equal(["normal/h1-b.png"], download.Entries.Select(e => e.File));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory, ClassNames.Covid)));
    }

    [Fact]
    public async Task AddDatasets_WithCoreServices_ResolvesWorkingStore()
    {
        // Arrange
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:LabelledContainer"] = _options.LabelledContainer,
            ["Storage:RetrainingContainer"] = _options.RetrainingContainer,
        }).Build();
        ServiceCollection services = new();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddServerlessCovidCore().AddDatasets();
        await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        // Act
        LabelledImageStore store = provider.GetRequiredService<LabelledImageStore>();
        await store.AddAsync(Request("h9", "x", ClassNames.Covid), Png(40));

        // Assert
        Assert.Same(store, provider.GetRequiredService<LabelledImageStore>());
        Assert.Single(await store.ListAsync());
    }

    private LabelledImageStore CreateStore() =>
        new(azurite.CreateBlobServiceClient(), Options.Create(_options), new FixedTime(Now), NullLogger<LabelledImageStore>.Instance);

    private BlobContainerClient Container(string name) => azurite.CreateBlobServiceClient().GetBlobContainerClient(name);

    private static LabelledImageRequest Request(string hospital, string id, string label) => new()
    {
        Hospital = hospital,
        Id = id,
        Label = label,
        Extension = "png",
        LabelledBy = "radiologist-1",
    };

    private static BinaryData Png(int index) => BinaryData.FromBytes(SyntheticXrayGenerator.Generate(5, index, 32).EncodePng());

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
