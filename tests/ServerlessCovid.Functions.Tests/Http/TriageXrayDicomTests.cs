using Microsoft.AspNetCore.Http;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Imaging;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Http;

/// <summary>DICOM over HTTP: scored from its bytes whatever the request declares, and kept as the <c>.dcm</c> it was.</summary>
[Collection(TestCollections.Azurite)]
public sealed class TriageXrayDicomTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_DicomAsApplicationDicom_ScoredAndKeptAsDcm()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] dicom = TestDicomFiles.Covid();
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", dicom, "application/dicom");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        string id = response.String("id")!;
        Assert.Equal(ResultIds.ForHttp("h1", ModelPackage.Sha256Hex(dicom)), id);
        Assert.Equal(("scored", ClassNames.Covid), (response.String("status"), response.String("label")));
        Assert.Equal("dicom", response.Body.GetProperty("image").GetProperty("format").GetString());
        TriageResult stored = (await app.Results.GetAsync("h1", id))!;
        Assert.Equal(($"h1/{id}.dcm", 48, 48), (stored.ImageBlobName, stored.ImageWidth, stored.ImageHeight));
        Azure.Storage.Blobs.BlobClient kept = app.Blobs.GetBlobContainerClient(app.Storage.UploadsContainer).GetBlobClient(stored.ImageBlobName);
        Assert.Equal(dicom, (await kept.DownloadContentAsync()).Value.Content.ToArray());
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")] // what curl --data-binary sends without -H 'Content-Type: ...'
    [InlineData(null)]
    [InlineData("application/octet-stream")]
    public async Task Run_RawDicomWithoutDicomContentType_ScoredFromItsBytes(string? contentType)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", TestDicomFiles.Normal(), contentType);

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.Equal(("scored", ClassNames.Normal), (response.String("status"), response.String("label")));
        Assert.Equal("dicom", response.Body.GetProperty("image").GetProperty("format").GetString());
    }

    [Fact]
    public async Task Run_DicomAsMultipartFilePart_Scored()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        HttpRequest request = await HttpTestRequests.MultipartAsync(app.Provider, TestDicomFiles.Covid(), "IM000001.dcm", "application/dicom");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.Equal(ClassNames.Covid, response.String("label"));
        Assert.EndsWith(".dcm", (await app.Results.GetAsync("h1", response.String("id")!))!.ImageBlobName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DicomInUnsupportedTransferSyntax_Returns415WithTheUid()
    {
        // Setup: JPEG 2000 (1.2.840.10008.1.2.4.90) is recognised as DICOM but not decoded here.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] dicom = TestDicomFiles.Rgb(16, 200, 40, 60, "1.2.840.10008.1.2.4.90");
        HttpRequest request = HttpTestRequests.Create(app.Provider, "POST", dicom, "application/dicom");

        // Trigger
        ExecutedResponse response = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(request, "h1", CancellationToken.None), request);

        // Verify
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, response.Status);
        Assert.Equal(Core.Imaging.ImageErrorCodes.UnsupportedTransferSyntax, response.String("code"));
        Assert.Contains("1.2.840.10008.1.2.4.90", response.String("detail"), StringComparison.Ordinal);
    }
}
