using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Testing.Imaging;
using ServerlessCovid.Testing.Storage;
using ServerlessCovid.Training.Training;
using SixLabors.ImageSharp;
using FolderImage = ServerlessCovid.Training.Training.LabelledImage;
using StoredImage = ServerlessCovid.Core.Datasets.Labelled.LabelledImage;

namespace ServerlessCovid.Retraining.Tests.Training;

/// <summary>
/// A result scored from a BMP or a DICOM file can be labelled: the labelled store keeps the exact scored bytes under
/// their own extension, and retraining (blob snapshots) and <c>covid train</c>'s folder loader read them back into
/// the very tensors serving scored.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class LabelledFormatsTests(AzuriteFixture azurite) : IDisposable
{
    private readonly StorageOptions _storage = azurite.NewStorageOptions();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-labelled-formats", Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task ConfirmAsync_BmpAndDicomResults_StoredAsScoredAndTrainingReadsTheSameTensors()
    {
        // Arrange: a BMP and an extension-less DICOM, each with a scored row as triage writes it.
        IOptions<StorageOptions> options = Options.Create(_storage);
        BlobServiceClient blobs = azurite.CreateBlobServiceClient();
        TriageResultStore results = new(azurite.CreateTableServiceClient(), options, NullLogger<TriageResultStore>.Instance);
        LabelledImageStore store = new(blobs, options, TimeProvider.System, NullLogger<LabelledImageStore>.Instance);
        ResultLabellingService labelling = new(results, store, blobs, TimeProvider.System, NullLogger<ResultLabellingService>.Instance);
        byte[] bmp = Bmp(SyntheticXrayGenerator.Generate(3, 1, 40).EncodePng());
        byte[] dicom = TestDicomFiles.Normal(40);
        TriageResult bmpRow = await ScoredRowAsync(results, blobs, "scan.bmp", bmp);
        TriageResult dicomRow = await ScoredRowAsync(results, blobs, "IM000001", dicom);

        // Act: label both, then read them back the two ways training does.
        await labelling.ConfirmAsync("h1", bmpRow.Id, ClassNames.Covid, "dr-ada");
        await labelling.ConfirmAsync("h1", dicomRow.Id, ClassNames.Normal, "dr-ada");
        LabelledStoreImageSource source = new(store, blobs, options);
        IReadOnlyList<DatasetItem> frozen = await source.FreezeAsync();
        foreach (DatasetItem item in frozen)
        {
            string path = Path.Combine(_directory, item.Label, item.LocalFileName);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await source.DownloadAsync(item, path);
        }

        IReadOnlyList<FolderImage> folder = ImageFolderDataset.Load(_directory);

        // Assert: the stored copies keep each format's extension and content type, and the bytes that were scored.
        IReadOnlyList<StoredImage> stored = await store.ListAsync(hospital: "h1");
        Assert.Equal(["bmp", "dcm"], stored.OrderBy(s => s.Label, StringComparer.Ordinal).Select(s => s.Extension));
        BlobContainerClient labelled = blobs.GetBlobContainerClient(_storage.LabelledContainer);
        Dictionary<string, string> contentTypes = [];
        await foreach (BlobItem blob in labelled.GetBlobsAsync())
        {
            contentTypes[Path.GetExtension(blob.Name)] = blob.Properties.ContentType;
        }

        Assert.Equal("image/bmp", contentTypes[".bmp"]);
        Assert.Equal("application/dicom", contentTypes[".dcm"]);
        Assert.Equal(2, frozen.Count);
        Assert.Equal(2, folder.Count);
        XrayPreprocessorImageLoader loader = new();
        foreach ((string label, byte[] original) in new[] { (ClassNames.Covid, bmp), (ClassNames.Normal, dicom) })
        {
            FolderImage image = Assert.Single(folder, f => f.Label == label);
            Assert.Equal(original, await File.ReadAllBytesAsync(image.Path));
            Assert.Equal(XrayPreprocessor.Default.LoadTensor(original), loader.Load(image.Path));
        }
    }

    /// <summary>Uploads the image to the x-ray container and writes the row triage would: format as the preprocessor sniffs it.</summary>
    private async Task<TriageResult> ScoredRowAsync(TriageResultStore results, BlobServiceClient blobs, string name, byte[] image)
    {
        BlobContainerClient xrays = blobs.GetBlobContainerClient(_storage.XraysContainer);
        await xrays.CreateIfNotExistsAsync();
        await xrays.GetBlobClient($"h1/{name}").UploadAsync(BinaryData.FromBytes(image), overwrite: true);
        PreprocessedImage preprocessed = XrayPreprocessor.Default.LoadTensor(image, new float[XrayPreprocessor.TensorLength]);
        DateTimeOffset created = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        return await results.UpsertAsync(new TriageResult
        {
            Hospital = "h1",
            Id = ResultIds.ForBlob("h1", name),
            Status = TriageStatus.Scored,
            Source = $"https://example/{_storage.XraysContainer}/h1/{name}",
            SourceName = name,
            ImageContainer = _storage.XraysContainer,
            ImageBlobName = $"h1/{name}",
            ContentSha256 = ModelPackage.Sha256Hex(image),
            ImageFormat = preprocessed.Image.Format,
            Label = ClassNames.Covid,
            CreatedUtc = created,
            UpdatedUtc = created,
        });
    }

    private static byte[] Bmp(byte[] png)
    {
        using Image image = Image.Load(png);
        using MemoryStream stream = new();
        image.SaveAsBmp(stream);
        return stream.ToArray();
    }
}
