using System.Text.Json.Nodes;

namespace ServerlessCovid.Infra.Tests;

/// <summary>Compiles infra/main.bicep once for the test class, into a temporary folder removed afterwards.</summary>
public sealed class BicepBuildFixture : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "serverlesscovid-bicep-" + Guid.NewGuid().ToString("N"));

    internal BicepResult Build { get; private set; } = new(-1, string.Empty, string.Empty);

    internal JsonObject Template { get; private set; } = [];

    internal ArmScope Main => new(Template, parameterValues: null, parent: null);

    /// <summary>The main template as a deployment given these parameter values would see it.</summary>
    internal ArmScope MainWith(params (string Name, string Value)[] values) =>
        new(Template, new JsonObject(values.Select(v => KeyValuePair.Create(v.Name, (JsonNode?)new JsonObject { ["value"] = v.Value }))), parent: null);

    internal static string MainBicep => RepositoryRoot.Combine("infra", "main.bicep");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        string output = Path.Combine(_folder, "main.json");
        Build = await BicepCli.RunAsync("build", MainBicep, "--outfile", output);
        if (Build.ExitCode == 0 && File.Exists(output))
        {
            Template = JsonNode.Parse(await File.ReadAllTextAsync(output))?.AsObject() ?? [];
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
