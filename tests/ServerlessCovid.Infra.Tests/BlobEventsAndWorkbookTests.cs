using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessCovid.Core.Observability;

namespace ServerlessCovid.Infra.Tests;

/// <summary>
/// The blob trigger's Event Grid source and the operator's workbook in the compiled template: a system topic on the
/// storage account, a webhook subscription to the Event Grid-sourced trigger that exists exactly when the blob
/// extension key is given, the polling trigger switched off under the same condition, and a workbook whose queries
/// read the metrics the app emits.
/// </summary>
public sealed class BlobEventsAndWorkbookTests(BicepBuildFixture fixture) : IClassFixture<BicepBuildFixture>
{
    private const string EventGridFunction = "TriageUploadedXrayEvent";

    [Fact]
    public void EventSubscription_Webhook_TargetsTheEventGridBlobTriggerOfTheXrayContainer()
    {
        // Arrange
        ArmResource subscription = Single("Microsoft.EventGrid/systemTopics/eventSubscriptions");
        ArmResource module = Module("blob-events");

        // Act
        JsonObject filter = subscription.Properties["filter"]!.AsObject();
        string webhook = Text(module.Properties["parameters"]!["webhookUrl"]);

        // Assert: the blob extension's webhook of the function, with its system key, for BlobCreated in xrays/ only.
        Assert.Equal("[parameters('subscribe')]", (string?)subscription.Node["condition"]);
        Assert.Equal("WebHook", (string?)subscription.Properties["destination"]!["endpointType"]);
        Assert.Equal("[parameters('webhookUrl')]", (string?)subscription.Properties["destination"]!["properties"]!["endpointUrl"]);
        Assert.Contains("https://{0}/runtime/webhooks/blobs?functionName=Host.Functions.{1}&code={2}", webhook, StringComparison.Ordinal);
        Assert.Contains("parameters('blobsExtensionKey')", webhook, StringComparison.Ordinal);
        Assert.Equal(EventGridFunction, (string?)fixture.Template["variables"]!["eventGridBlobFunction"]);
        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.AsArray().Select(t => (string?)t));
        Assert.Contains("/blobServices/default/containers/{0}/blobs/", Text(filter["subjectBeginsWith"]), StringComparison.Ordinal);
        Assert.Equal("xrays", (string?)module.Scope.Resolve(module.Properties["parameters"]!["containerName"]!["value"]));
    }

    [Fact]
    public void BlobTriggerSource_PollingSwitch_FollowsTheSubscriptionAndTheKeyIsSecure()
    {
        // Arrange
        JsonObject key = fixture.Template["parameters"]!["blobsExtensionKey"]!.AsObject();
        ArmResource app = Single("Microsoft.App/containerApps");
        Dictionary<string, JsonNode?> settings = app.Properties["template"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(setting => (string)setting!["name"]!, setting => setting!["value"]);

        // Act
        string subscribed = (string)fixture.Template["variables"]!["blobEventsSubscribed"]!;
        string pollingSwitch = Text(Module("functions-app").Properties["parameters"]!["pollingBlobTriggerDisabled"]!["value"]);
        string subscribeSwitch = Text(Module("blob-events").Properties["parameters"]!["subscribe"]!["value"]);

        // Assert: without a key (first deployment) polling serves; with it, Event Grid alone, never both.
        Assert.Equal("securestring", (string?)key["type"]);
        Assert.Equal(string.Empty, (string?)key["defaultValue"]);
        Assert.Equal("[not(empty(parameters('blobsExtensionKey')))]", subscribed);
        Assert.Equal("[variables('blobEventsSubscribed')]", pollingSwitch);
        Assert.Equal(pollingSwitch, subscribeSwitch);
        Assert.Equal("[if(parameters('pollingBlobTriggerDisabled'), 'true', 'false')]", Text(settings["AzureWebJobs_TriageUploadedXray_Disabled"]));
        Assert.Equal("false", Text(settings[$"AzureWebJobs_{EventGridFunction}_Disabled"]));
        Assert.Equal("[if(variables('blobEventsSubscribed'), 'EventGrid', 'Polling')]", Text(fixture.Template["outputs"]!["BLOB_TRIGGER_SOURCE"]!["value"]));
    }

    [Fact]
    public void SystemTopic_Source_IsTheStorageAccount()
    {
        // Arrange
        ArmResource topic = Single("Microsoft.EventGrid/systemTopics");

        // Act
        string source = Text(topic.Properties["source"]);

        // Assert
        Assert.Equal("Microsoft.Storage.StorageAccounts", (string?)topic.Properties["topicType"]);
        Assert.Equal("[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]", source);
        Assert.Equal("[variables('names').storage]", Text(Module("blob-events").Properties["parameters"]!["storageAccountName"]!["value"]));
    }

    [Fact]
    public void Workbook_Queries_ReadEveryMetricTheAppEmits()
    {
        // Arrange
        ArmResource workbook = Single("Microsoft.Insights/workbooks");
        string file = File.ReadAllText(RepositoryRoot.Combine("infra", "workbooks", "operations.workbook.json"));
        string[] metrics =
        [
            TelemetryNames.ImagesTriaged, TelemetryNames.StageDuration, TelemetryNames.BatchSize, TelemetryNames.ModelServed,
            TelemetryNames.RetrainingRuns, TelemetryNames.RetrainingStageDuration, TelemetryNames.ReconciledBlobs, TelemetryNames.PendingBlobs,
        ];

        // Act
        string[] queries = [.. JsonNode.Parse(file)!["items"]!.AsArray()
            .Select(item => (string?)item?["content"]?["query"])
            .OfType<string>()];
        string serialized = (string)workbook.Scope.Resolve(workbook.Properties["serializedData"])!;

        // Assert: the deployed workbook is this file, over Application Insights, with a query per dashboard metric.
        Assert.Equal(file, serialized);
        Assert.Equal("[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]", Text(workbook.Properties["sourceId"]));
        Assert.All(metrics, metric => Assert.Contains(queries, query => query.Contains($"\"{metric}\"", StringComparison.Ordinal)));
        Assert.Contains(queries, query => query.Contains("percentile(duration, 95)", StringComparison.Ordinal));
        Assert.Contains(queries, query => query.Contains("\"rejected\"", StringComparison.Ordinal) || query.Contains("status != \"scored\"", StringComparison.Ordinal));
    }

    private ArmResource Single(string type) => Assert.Single(fixture.Main.Resources, r => r.Type == type);

    private ArmResource Module(string name) =>
        Assert.Single(fixture.Main.Resources, r => r.Type == "Microsoft.Resources/deployments" && r.Name == name);

    private static string Text(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text)
        ? text
        : node?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? string.Empty;
}
