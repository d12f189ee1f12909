using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Imaging;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Triage;

/// <summary>
/// DICOM dropped into <c>xrays/{hospital}/</c> as a modality or PACS export writes it: a <c>.dcm</c>, or a bare name
/// with no extension at all (IM000001, a SOP UID). Both are sniffed by content and scored.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class TriageUploadedXrayDicomTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("2026/ward-3/chest.dcm", true)]
    [InlineData("2026/ward-3/IM000001", true)]
    [InlineData("1.2.826.0.1.3680043.2.1125.77", false)]
    public async Task Run_DicomBlobWithOrWithoutExtension_ScoredFromItsContent(string name, bool covid)
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] dicom = covid ? TestDicomFiles.Covid() : TestDicomFiles.Normal();
        BlobClient blob = await app.UploadXrayAsync($"st-marys/{name}", dicom);

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = Assert.Single((await app.Results.ListAsync("st-marys", new TriageResultQuery())).Items);
        Assert.Equal(ResultIds.ForBlob("st-marys", name), row.Id);
        Assert.Equal(TriageStatus.Scored, row.Status);
        Assert.Equal(covid ? ClassNames.Covid : ClassNames.Normal, row.Label);
        Assert.Equal(("dicom", 48, 48), (row.ImageFormat, row.ImageWidth, row.ImageHeight));
        Assert.Equal((name, $"st-marys/{name}"), (row.SourceName, row.ImageBlobName));
        Assert.Equal(ModelPackage.Sha256Hex(dicom), row.ContentSha256);
    }

    [Fact]
    public async Task Run_SameDicomBlobDeliveredTwice_StillOneRow()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/IM000002", TestDicomFiles.Normal());
        TriageUploadedXray function = app.Function<TriageUploadedXray>();

        // Trigger
        await function.Run(blob, CancellationToken.None);
        TriageResult first = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "IM000002")))!;
        await function.Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = Assert.Single((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
        Assert.Equal((first.CreatedUtc, first.UpdatedUtc, ClassNames.Normal), (row.CreatedUtc, row.UpdatedUtc, row.Label));
    }

    [Fact]
    public async Task Run_DicomBlob_RowRecordsModalityViewPhotometricAndTransferSyntax()
    {
        // Setup: no Imaging:DicomUidSalt, so no UID hash either.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/IM000003.dcm", TestDicomFiles.Covid());

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify: read back from the table, and the raw columns as stored.
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "IM000003.dcm")))!;
        Assert.Equal(new DicomAcquisition("DX", "PA", "RGB", "1.2.840.10008.1.2.1", null), row.Dicom);
        Assert.Equal("dicom", row.ImageFormat);
        TableEntity entity = await MainRowAsync(app, row.Id);
        Assert.Equal(
            ["DicomModality=DX", "DicomPhotometricInterpretation=RGB", "DicomTransferSyntaxUid=1.2.840.10008.1.2.1", "DicomViewPosition=PA"],
            DicomColumns(entity));
    }

    [Fact]
    public async Task Run_PngBlob_RowHasNoDicomColumns()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/a.png", TestXrays.Normal());

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "a.png")))!;
        Assert.Equal((TriageStatus.Scored, "png"), (row.Status, row.ImageFormat));
        Assert.Null(row.Dicom);
        Assert.Empty(DicomColumns(await MainRowAsync(app, row.Id)));
    }

    private async Task<TableEntity> MainRowAsync(FunctionsTestApp app, string id) =>
        (await new TableClient(azurite.ConnectionString, app.Storage.ResultsTable).GetEntityAsync<TableEntity>("h1", id)).Value;

    private static string[] DicomColumns(TableEntity entity) =>
        [.. entity.Where(c => c.Key.StartsWith("Dicom", StringComparison.Ordinal)).Select(c => $"{c.Key}={c.Value}").Order(StringComparer.Ordinal)];
}
