using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Storage;

/// <summary>Results as a blob delivery writes them, and a store on this test's own table in the shared Azurite.</summary>
internal static class TriageResultSamples
{
    public static TriageResult Scored(string hospital, string name, DateTimeOffset created, string? sha = null) => new()
    {
        Hospital = hospital,
        Id = ResultIds.ForBlob(hospital, name),
        Status = TriageStatus.Scored,
        Source = $"https://example/xrays/{hospital}/{name}",
        SourceName = name,
        ImageContainer = "xrays",
        ImageBlobName = $"{hospital}/{name}",
        ContentSha256 = sha ?? "sha-" + name,
        ImageWidth = 300,
        ImageHeight = 200,
        Label = "covid",
        Probabilities = new Dictionary<string, double> { ["covid"] = 0.8, ["normal"] = 0.2 },
        PositiveClass = "covid",
        Threshold = 0.5,
        ModelVersion = "v1",
        ModelSha256 = "model-sha",
        PreprocessingId = "rgb256-stretch-unit",
        CreatedUtc = created,
        UpdatedUtc = created,
    };

    public static TriageResult Rejected(string hospital, string name, DateTimeOffset created) => new()
    {
        Hospital = hospital,
        Id = ResultIds.ForBlob(hospital, name),
        Status = TriageStatus.Rejected,
        Source = $"https://example/xrays/{hospital}/{name}",
        SourceName = name,
        ContentSha256 = "sha-bad-" + name,
        ErrorCode = "corrupt",
        ErrorReason = "not an image",
        CreatedUtc = created,
        UpdatedUtc = created,
    };

    public static TriageResultStore CreateStore(AzuriteFixture azurite, out TableClient table)
    {
        StorageOptions options = azurite.NewStorageOptions();
        TableServiceClient tables = azurite.CreateTableServiceClient();
        table = tables.GetTableClient(options.ResultsTable);
        return new TriageResultStore(tables, Options.Create(options), NullLogger<TriageResultStore>.Instance);
    }
}
