using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Infra.Tests;

/// <summary>Assertions on the compiled ARM JSON of infra/main.bicep: what gets deployed, short of deploying it.</summary>
public sealed partial class MainTemplateTests(BicepBuildFixture fixture) : IClassFixture<BicepBuildFixture>
{
    private static readonly string[] IdentityStorageSettings =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
    ];

    private static readonly string[] SecretMarkers =
    [
        "AccountKey",
        "listKeys(",
        "listAccountSas(",
        "listServiceSas(",
        "SharedAccessSignature",
        "SharedAccessKey",
        "DefaultEndpointsProtocol",
    ];

    [Fact]
    public void FunctionsApp_Resource_IsNativeFunctionAppOnTheGpuProfile()
    {
        // Arrange
        ArmResource environment = Single("Microsoft.App/managedEnvironments");
        ArmResource app = FunctionsApp();

        // Act
        string? gpuProfileName = environment.Scope.ResolveObjects(environment.Properties["workloadProfiles"])
            .Where(profile => ((string?)profile?["workloadProfileType"])?.StartsWith("Consumption-GPU-", StringComparison.Ordinal) == true)
            .Select(profile => (string?)profile?["name"])
            .Single();
        JsonNode? scale = app.Properties["template"]?["scale"];

        // Assert
        Assert.Equal("functionapp", (string?)app.Node["kind"]);
        Assert.Equal(gpuProfileName, (string?)app.Resolve(app.Properties["workloadProfileName"]));
        Assert.Equal("UserAssigned", (string?)app.Node["identity"]?["type"]);
        Assert.Equal(1, (int?)app.Resolve(scale?["minReplicas"]));
        Assert.Equal(2, (int?)app.Resolve(scale?["maxReplicas"]));
    }

    [Fact]
    public void FunctionsApp_StorageConnection_IsIdentityBasedOnly()
    {
        // Arrange
        ArmResource app = FunctionsApp();

        // Act
        Dictionary<string, JsonNode?> settings = AppSettings(app);

        // Assert
        Assert.All(IdentityStorageSettings, name => Assert.Contains(name, settings.Keys));
        Assert.Equal("managedidentity", (string?)app.Resolve(settings["AzureWebJobsStorage__credential"]));
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain(settings.Keys, name => name.EndsWith("ConnectionString", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void FunctionsApp_AppSettings_MatchTheApplicationsOptions()
    {
        // Arrange: the names the app falls back to (StorageOptions defaults, local.settings.sample.json).
        var defaults = new StorageOptions();
        ArmResource app = FunctionsApp();

        // Act
        Dictionary<string, string?> settings = AppSettings(app)
            .ToDictionary(pair => pair.Key, pair => (string?)app.Resolve(pair.Value));

        // Assert
        Assert.Equal("dotnet-isolated", settings["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal(defaults.Connection, settings["Storage__Connection"]);
        Assert.Equal(defaults.XraysContainer, settings["Storage__XraysContainer"]);
        Assert.Equal(defaults.LabelledContainer, settings["Storage__LabelledContainer"]);
        Assert.Equal(defaults.ModelsContainer, settings["Storage__ModelsContainer"]);
        Assert.Equal(defaults.RetrainingContainer, settings["Storage__RetrainingContainer"]);
        Assert.Equal(defaults.ResultsTable, settings["Storage__ResultsTable"]);
        Assert.Equal(defaults.RetrainingRunsTable, settings["Storage__RetrainingRunsTable"]);
        Assert.Equal("cuda", settings["Inference__ExecutionProvider"]);
        Assert.Matches(@"^\S+( \S+){5}$", settings["Retraining__Schedule"]);
        var triage = new TriageOptions();
        Assert.Equal(triage.ReconcileSchedule, settings["Triage__ReconcileSchedule"]);
        Assert.Equal(triage.ReconcileMaxBlobsPerRun.ToString(CultureInfo.InvariantCulture), settings["Triage__ReconcileMaxBlobsPerRun"]);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", settings.Keys);
    }

    [Fact]
    public void Template_AppSettingsAndOutputs_ContainNoKeysOrSasTokens()
    {
        // Arrange
        string wholeTemplate = fixture.Template.ToJsonString();
        IEnumerable<string> settingValues = AppSettings(FunctionsApp()).Values.Select(value => value?.ToJsonString() ?? string.Empty);
        IEnumerable<string> outputs = Scopes().SelectMany(scope => scope.Template["outputs"]?.AsObject() ?? [])
            .Select(output => output.Key + " " + output.Value?.ToJsonString());

        // Act
        string[] offending = [.. settingValues.Concat(outputs)
            .Where(text => SecretMarkers.Any(marker => text.Contains(marker, StringComparison.OrdinalIgnoreCase))
                || text.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) && outputs.Contains(text)
                || text.Contains("InstrumentationKey", StringComparison.OrdinalIgnoreCase) && outputs.Contains(text))];

        // Assert
        Assert.Empty(offending);
        Assert.All(["listKeys(", "listAccountSas(", "listServiceSas("], marker =>
            Assert.DoesNotContain(marker, wholeTemplate, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void StorageAccount_Properties_DisallowSharedKeyAndAnonymousAccess()
    {
        // Arrange
        ArmResource storage = Single("Microsoft.Storage/storageAccounts");

        // Act
        JsonObject properties = storage.Properties;

        // Assert
        Assert.False((bool?)properties["allowSharedKeyAccess"]);
        Assert.False((bool?)properties["allowBlobPublicAccess"]);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.True((bool?)properties["supportsHttpsTrafficOnly"]);
    }

    [Fact]
    public void KeyBasedAccess_RegistryAndMonitoring_IsDisabled()
    {
        // Arrange
        ArmResource registry = Single("Microsoft.ContainerRegistry/registries");
        ArmResource insights = Single("Microsoft.Insights/components");
        ArmResource workspace = Single("Microsoft.OperationalInsights/workspaces");

        // Act
        JsonNode? environmentLogs = Single("Microsoft.App/managedEnvironments").Properties["appLogsConfiguration"];

        // Assert
        Assert.False((bool?)registry.Properties["adminUserEnabled"]);
        Assert.True((bool?)insights.Properties["DisableLocalAuth"]);
        Assert.True((bool?)workspace.Properties["features"]?["disableLocalAuth"]);
        Assert.Equal("azure-monitor", (string?)environmentLogs?["destination"]);
    }

    [Fact]
    public void Storage_Module_CreatesContainersTablesAndRawUploadLifecycleRule()
    {
        // Arrange
        var defaults = new StorageOptions();
        ArmResource storage = Single("Microsoft.Storage/storageAccounts");
        ArmResource lifecycle = Single("Microsoft.Storage/storageAccounts/managementPolicies");

        // Act
        string[] containers = [.. storage.Scope.ResolveItems("[parameters('containerNames')]").Select(c => (string?)c ?? "<unresolved>")];
        string[] tables = [.. storage.Scope.ResolveItems("[parameters('tableNames')]").Select(t => (string?)t ?? "<unresolved>")];
        JsonNode? rule = lifecycle.Properties["policy"]?["rules"]?[0];
        string? rawUploads = (string?)lifecycle.Resolve("[parameters('rawUploadsContainer')]");

        // Assert
        Assert.Equal(new[] { defaults.XraysContainer, defaults.LabelledContainer, defaults.ModelsContainer, defaults.RetrainingContainer }, containers);
        Assert.Equal(new[] { defaults.ResultsTable, defaults.RetrainingRunsTable }, tables);
        Assert.Equal(defaults.XraysContainer, rawUploads);
        Assert.Contains("parameters('rawUploadsContainer')", rule?["definition"]?["filters"]?["prefixMatch"]?[0]?.ToString(), StringComparison.Ordinal);
        Assert.NotNull(rule?["definition"]?["actions"]?["baseBlob"]?["delete"]);
    }

    [Fact]
    public void Outputs_Names_AreUpperSnakeCaseAndNameTheEndpoint()
    {
        // Arrange
        JsonObject outputs = fixture.Template["outputs"]!.AsObject();

        // Act
        string[] names = [.. outputs.Select(output => output.Key)];

        // Assert
        Assert.All(names, name => Assert.Matches(UpperSnakeCase(), name));
        Assert.Contains("FUNCTIONS_ENDPOINT", names);
        Assert.Contains("FUNCTIONS_APP_NAME", names);
        Assert.Contains("STORAGE_ACCOUNT_NAME", names);
    }

    [Fact]
    public void Resources_ThatSupportTags_AllCarryTheSharedTags()
    {
        // Arrange: child resources, role assignments, diagnostic settings and deployments take no tags.
        string[] untaggable = ["Microsoft.Resources/deployments", "Microsoft.Authorization/roleAssignments", "Microsoft.Insights/diagnosticSettings"];
        ArmResource[] taggable = [.. fixture.Main.Resources
            .Where(resource => !resource.IsExisting && resource.Type.Split('/').Length == 2 && !untaggable.Contains(resource.Type))];

        JsonObject sharedTags = fixture.Template["variables"]!["tags"]!.AsObject();

        // Act: follow each resource's tags back to the main template (an object, or an expression built on it).
        string[] sources = [.. taggable.Select(resource => Text(resource.Scope.Trace(resource.Node["tags"])))];

        // Assert
        Assert.True(taggable.Length >= 7, $"only {taggable.Length} taggable resources found");
        Assert.All(sources, source => Assert.True(
            source == sharedTags.ToJsonString() || source.Contains("variables('tags')", StringComparison.Ordinal),
            $"tags not taken from the shared tags: {source}"));
        Assert.Contains("azd-env-name", sharedTags.Select(pair => pair.Key));
        Assert.Contains("application", sharedTags.Select(pair => pair.Key));
        Assert.Contains("purpose", sharedTags.Select(pair => pair.Key));
    }

    [Fact]
    public void RoleAssignments_Names_AreGuidsOfScopePrincipalAndRole()
    {
        // Arrange
        ArmResource[] assignments = [.. fixture.Main.Resources
            .Where(resource => resource.Type == "Microsoft.Authorization/roleAssignments")];
        string allRoles = string.Join('\n', assignments.Select(a => a.Scope.Template["parameters"]?["roles"] is null
            ? Text(a.Scope.Trace(a.Properties["roleDefinitionId"]))
            : Text(a.Scope.Trace("[parameters('roles')]"))));

        // Act
        string[] names = [.. assignments.Select(assignment => assignment.Name)];

        // Assert
        Assert.Equal(3, assignments.Length);
        Assert.All(names, name => Assert.Matches(GuidOfThree(), name));
        Assert.Contains("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", allRoles, StringComparison.Ordinal); // Storage Blob Data Owner
        Assert.Contains("974c5e8b-45b9-4653-ba55-5f855dd0fb88", allRoles, StringComparison.Ordinal); // Storage Queue Data Contributor
        Assert.Contains("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", allRoles, StringComparison.Ordinal); // Storage Table Data Contributor
        Assert.Contains("7f951dda-4ed3-4680-a7ca-43fe172d538d", allRoles, StringComparison.Ordinal); // AcrPull
    }

    [Fact]
    public async Task ParametersFile_Values_AreDeclaredAndCoverEveryRequiredParameter()
    {
        // Arrange
        string file = await File.ReadAllTextAsync(RepositoryRoot.Combine("infra", "main.parameters.json"));
        JsonObject given = JsonNode.Parse(file)!["parameters"]!.AsObject();
        JsonObject declared = fixture.Template["parameters"]!.AsObject();

        // Act
        string[] unknown = [.. given.Select(p => p.Key).Where(name => !declared.ContainsKey(name))];
        string[] missing = [.. declared.Where(p => p.Value?["defaultValue"] is null).Select(p => p.Key).Where(name => !given.ContainsKey(name))];

        // Assert
        Assert.Empty(unknown);
        Assert.Empty(missing);
    }

    private ArmResource Single(string type) =>
        Assert.Single(fixture.Main.Resources, resource => resource.Type == type && !resource.IsExisting);

    private ArmResource FunctionsApp() => Single("Microsoft.App/containerApps");

    [Fact]
    public void FunctionsApp_ClientPrincipal_IsTrustedOnlyWithBuiltInAuthentication()
    {
        // Arrange
        ArmResource app = FunctionsApp();

        // Act
        string trust = Text(AppSettings(app)["Access__TrustClientPrincipal"]);
        ArmResource auth = Single("Microsoft.App/containerApps/authConfigs");

        // Assert: the header is believed exactly when the authConfigs resource (deployed under the same condition) exists.
        Assert.Contains("entraClientId", trust, StringComparison.Ordinal);
        Assert.Equal("AllowAnonymous", (string?)auth.Properties["globalValidation"]!["unauthenticatedClientAction"]);
    }

    private IEnumerable<ArmScope> Scopes()
    {
        // The main template and every module's nested template (Resources already walks into them).
        yield return fixture.Main;
        foreach (ArmResource deployment in fixture.Main.Resources.Where(r => r.Type == "Microsoft.Resources/deployments"))
        {
            yield return NestedScope(deployment);
        }
    }

    private static ArmScope NestedScope(ArmResource deployment) =>
        new(deployment.Properties["template"]!.AsObject(), deployment.Properties["parameters"] as JsonObject, deployment.Scope);

    private static Dictionary<string, JsonNode?> AppSettings(ArmResource app)
    {
        JsonArray env = app.Properties["template"]!["containers"]![0]!["env"]!.AsArray();
        return env.ToDictionary(setting => (string)setting!["name"]!, setting => setting!["value"]);
    }

    // Strings as written (ToJsonString would escape the quotes of ARM expressions), anything else as JSON.
    private static string Text(JsonNode? node) => node switch
    {
        null => "<none>",
        JsonValue value when value.TryGetValue(out string? text) => text,
        _ => node.ToJsonString(),
    };

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnakeCase();

    [GeneratedRegex(@"^\[guid\([^,]+,[^,]+,.+\)\]$")]
    private static partial Regex GuidOfThree();
}
