using System.Text.Json;

namespace ServerlessCovid.Functions.Tests;

/// <summary>
/// Reads the <c>functions.metadata</c> the Functions SDK generates at build time — what the host actually loads —
/// so a typo in a trigger, route, blob path or connection name fails here rather than in Azure.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<JsonElement[]> Functions = new(Load);

    public static TheoryData<string, string, string> HttpFunctions => new()
    {
        { "GetHealth", "get", "health" },
        { "TriageXray", "post", "hospitals/{hospital}/triage" },
        { "GetResult", "get", "hospitals/{hospital}/results/{id}" },
        { "GetResultHeatMap", "get", "hospitals/{hospital}/results/{id}/heatmap" },
        { "ListResults", "get", "hospitals/{hospital}/results" },
        { "LabelResult", "post", "hospitals/{hospital}/results/{id}/label" },
        { "GetModel", "get", "model" },
        { "GetModelFile", "get", "models/{version}/files/{*path}" },
        { "StartRetraining", "post", "retraining" },
        { "GetRetrainingStatus", "get", "retraining/{instanceId}" },
        { "RollbackModel", "post", "model/rollback" },
    };

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void HttpFunction_Metadata_HasRouteMethodAndAuthLevel(string name, string method, string route)
    {
        // Act
        JsonElement trigger = Trigger(name);

        // Assert
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        // Anonymous at the host: HospitalAccessMiddleware authenticates every call (API key or Entra principal) and
        // binds it to its hospital, in func start and in Azure alike (see docs/deploy.md).
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void EveryHttpFunction_Metadata_IsClassifiedInRouteAccess()
    {
        // Act
        string[] http = [.. Functions.Value
            .Where(f => Bindings(f).Any(b => b.GetProperty("type").GetString() == "httpTrigger"))
            .Select(f => f.GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal)];

        // Assert
        Assert.Equal(ServerlessCovid.Functions.Security.RouteAccess.Functions.Keys.Order(StringComparer.Ordinal), http);
    }

    [Fact]
    public void TriageUploadedXray_Metadata_IsBlobTriggerOnSettingResolvedContainer()
    {
        // Act
        JsonElement trigger = Trigger("TriageUploadedXray");

        // Assert: the host resolves %Storage:XraysContainer% from the app setting Storage__XraysContainer.
        Assert.Equal("blobTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("%Storage:XraysContainer%/{hospital}/{name}", trigger.GetProperty("path").GetString());
        Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
        // SDK-type binding (BlobClient): the worker gets a client, not the blob's bytes pushed through gRPC.
        Assert.Equal("True", trigger.GetProperty("properties").GetProperty("supportsDeferredBinding").GetString());
    }

    [Fact]
    public void TriageUploadedXrayEvent_Metadata_IsTheSameBlobTriggerWithTheEventGridSource()
    {
        // Act
        JsonElement polling = Trigger("TriageUploadedXray");
        JsonElement events = Trigger("TriageUploadedXrayEvent");

        // Assert: same path, connection and SDK binding; only the source differs (polling has none, i.e. the default).
        Assert.Equal("blobTrigger", events.GetProperty("type").GetString());
        Assert.Equal(polling.GetProperty("path").GetString(), events.GetProperty("path").GetString());
        Assert.Equal(polling.GetProperty("connection").GetString(), events.GetProperty("connection").GetString());
        Assert.Equal("EventGrid", events.GetProperty("source").GetString());
        Assert.False(polling.TryGetProperty("source", out _));
        Assert.Equal("True", events.GetProperty("properties").GetProperty("supportsDeferredBinding").GetString());
    }

    [Fact]
    public void RecordPoisonXray_Metadata_IsQueueTriggerOnBlobTriggerPoisonQueue()
    {
        // Act
        JsonElement trigger = Trigger("RecordPoisonXray");

        // Assert
        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("webjobs-blobtrigger-poison", trigger.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void ReconcileXrays_Metadata_IsTimerTriggerOnTheScheduleSetting()
    {
        // Act
        JsonElement trigger = Trigger("ReconcileXrays");

        // Assert
        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("%Triage:ReconcileSchedule%", trigger.GetProperty("schedule").GetString());
    }

    [Fact]
    public void EveryFunction_Metadata_HasExactlyOneTriggerAndStorageTriggersNameTheirConnection()
    {
        // Assert: applies to functions other areas add too (retraining timer, admin API).
        Assert.NotEmpty(Functions.Value);
        foreach (JsonElement function in Functions.Value)
        {
            JsonElement[] triggers = [.. Bindings(function).Where(IsTrigger)];
            string name = function.GetProperty("name").GetString()!;
            Assert.True(triggers.Length == 1, $"{name} has {triggers.Length} triggers.");
            string type = triggers[0].GetProperty("type").GetString()!;
            if (type is "blobTrigger" or "queueTrigger")
            {
                Assert.True(triggers[0].TryGetProperty("connection", out JsonElement connection) && connection.GetString() == "AzureWebJobsStorage",
                    $"{name}: storage triggers must use the AzureWebJobsStorage connection the app is configured with.");
            }

            if (type == "httpTrigger")
            {
                Assert.True(triggers[0].TryGetProperty("route", out JsonElement route) && !string.IsNullOrEmpty(route.GetString()),
                    $"{name}: HTTP functions need an explicit route.");
            }
        }
    }

    [Fact]
    public void FunctionNames_Metadata_AreUnique()
    {
        // Act
        string[] names = [.. Functions.Value.Select(f => f.GetProperty("name").GetString()!)];

        // Assert
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    private static JsonElement Trigger(string name)
    {
        JsonElement function = Assert.Single(Functions.Value, f => f.GetProperty("name").GetString() == name);
        return Assert.Single(Bindings(function), IsTrigger);
    }

    private static JsonElement[] Bindings(JsonElement function) => [.. function.GetProperty("bindings").EnumerateArray()];

    private static bool IsTrigger(JsonElement binding) =>
        binding.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal);

    /// <summary>
    /// The SDK writes functions.metadata into the Functions project's output, and the test project's build copies
    /// it next to the tests. Prefer the copy beside this assembly; otherwise find the Functions build output of the
    /// same configuration by walking up to the repository root.
    /// </summary>
    private static JsonElement[] Load()
    {
        string? path = FindMetadata();
        Assert.True(path is not null, "functions.metadata not found: build src/ServerlessCovid.Functions first.");
        using FileStream stream = File.OpenRead(path!);
        return [.. JsonDocument.Parse(stream).RootElement.Clone().EnumerateArray()];
    }

    private static string? FindMetadata()
    {
        string local = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        if (File.Exists(local))
        {
            return local;
        }

        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServerlessCovid.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            return null;
        }

        // bin/<Configuration>/<tfm>/ of the test project mirrors the Functions project's output layout.
        DirectoryInfo testOutput = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string candidate = Path.Combine(directory.FullName, "src", "ServerlessCovid.Functions", "bin",
            testOutput.Parent!.Name, testOutput.Name, "functions.metadata");
        return File.Exists(candidate) ? candidate : null;
    }
}
