using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Imaging;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Triage;

/// <summary>
/// A DICOM file carries its patient's name, id, birth date and address. The bytes themselves are kept (uploads and
/// labelled store hold exactly what was scored), but none of those values may reach anything the service writes
/// about the image: result rows, index rows, responses, logs, or the labelled store's names and metadata.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class DicomPhiTests(AzuriteFixture azurite)
{
    private const string Salt = "phi-test-salt-do-not-reuse";

    [Fact]
    public async Task TriageAndLabel_DicomWithPatientAttributes_NoPatientValueInRowsResponsesLogsOrLabelledStore()
    {
        // Setup: every log record from every category, down to Trace, is captured.
        await using FunctionsTestApp app = FunctionsTestApp.Create(
            azurite, new Dictionary<string, string?> { ["Imaging:DicomUidSalt"] = Salt }, (services, _) => services
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace))
            .AddFakeLogging());
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/study-7/IM000001", TestDicomFiles.Covid());
        HttpRequest upload = HttpTestRequests.Create(app.Provider, "POST", TestDicomFiles.Normal(), "application/dicom");
        HttpRequest refused = HttpTestRequests.Create(
            app.Provider, "POST", TestDicomFiles.Rgb(16, 1, 2, 3, "1.2.840.10008.1.2.4.90"), "application/dicom");

        // Trigger: the blob trigger, HTTP triage (scored and refused), then a clinician labels both scored results.
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
        ExecutedResponse scored = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(upload, "h1", CancellationToken.None), upload);
        ExecutedResponse rejected = await HttpTestRequests.ExecuteAsync(
            await app.Function<TriageXray>().Run(refused, "h1", CancellationToken.None), refused);
        ResultLabellingService labelling = app.Provider.GetRequiredService<ResultLabellingService>();
        string blobResult = ResultIds.ForBlob("h1", "study-7/IM000001");
        await labelling.ConfirmAsync("h1", blobResult, ClassNames.Covid, "dr-ada");
        await labelling.ConfirmAsync("h1", scored.String("id")!, ClassNames.Normal, "dr-bob");

        // Verify: first that each place was really captured (two scored results, the refusal, both copies), then
        // that no patient value is in any of it.
        string rows = await TableTextAsync(app);
        string labelled = await BlobListingTextAsync(app.Blobs.GetBlobContainerClient(app.Storage.LabelledContainer));
        string uploads = await BlobListingTextAsync(app.Blobs.GetBlobContainerClient(app.Storage.UploadsContainer));
        string responses = string.Join("\n", scored.Body.GetRawText(), rejected.Body.GetRawText());
        string logs = LogText(app.Provider.GetFakeLogCollector().GetSnapshot());
        Assert.Equal(Core.Imaging.ImageErrorCodes.UnsupportedTransferSyntax, rejected.String("code"));
        Assert.Contains(blobResult, rows, StringComparison.Ordinal);
        Assert.Contains("dr-bob", rows, StringComparison.Ordinal);
        Assert.Equal(2, labelled.Split(".dcm", StringSplitOptions.None).Length - 1);
        Assert.Contains("dr-ada", labelled, StringComparison.Ordinal);
        Assert.Contains(blobResult, logs, StringComparison.Ordinal);
        Assert.Contains("unsupported_transfer_syntax", logs, StringComparison.Ordinal);

        // The SOP Instance UID (one of the patient values below) is recorded only as its salted hash, for de-duplication.
        string uid = TestDicomFiles.PatientAttributes.Single(a => a.Tag == 0x0008_0018).Value;
        string hash = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Salt), Encoding.ASCII.GetBytes(uid)));
        Assert.Equal(2, rows.Split($"DicomSopInstanceUidHash={hash}", StringSplitOptions.None).Length - 1);
        Assert.Equal(hash, scored.Body.GetProperty("image").GetProperty("dicom").GetProperty("sopInstanceUidHash").GetString());
        foreach ((string place, string text) in new[] { ("rows", rows), ("labelled", labelled), ("uploads", uploads), ("responses", responses), ("logs", logs) })
        {
            foreach (string value in TestDicomFiles.PatientValues)
            {
                Assert.False(text.Contains(value, StringComparison.OrdinalIgnoreCase), $"'{value}' appears in the {place}.");
            }
        }
    }

    /// <summary>Every property of every entity (result rows and index rows) in the results table.</summary>
    private async Task<string> TableTextAsync(FunctionsTestApp app)
    {
        TableClient table = new(azurite.ConnectionString, app.Storage.ResultsTable);
        StringBuilder text = new();
        await foreach (TableEntity entity in table.QueryAsync<TableEntity>())
        {
            foreach ((string key, object value) in entity)
            {
                text.Append(key).Append('=').Append(value).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Names, metadata, tags and content types of every blob in a container.</summary>
    private static async Task<string> BlobListingTextAsync(BlobContainerClient container)
    {
        StringBuilder text = new();
        await foreach (BlobItem item in container.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata | BlobTraits.Tags }))
        {
            text.Append(item.Name).Append(' ').Append(item.Properties.ContentType).Append('\n');
            foreach ((string key, string value) in item.Metadata.Concat(item.Tags ?? new Dictionary<string, string>()))
            {
                text.Append(key).Append('=').Append(Uri.UnescapeDataString(value)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Each record's message, structured values, scopes and exception.</summary>
    private static string LogText(IReadOnlyList<FakeLogRecord> records) => string.Join("\n", records.Select(r => string.Join(
        " | ",
        r.Category,
        r.Message,
        JsonSerializer.Serialize(r.StructuredState?.Select(kv => $"{kv.Key}={kv.Value}") ?? []),
        JsonSerializer.Serialize(r.Scopes.Select(s => s?.ToString())),
        r.Exception?.ToString())));
}
