using System.Text.Json.Nodes;

namespace ServerlessCovid.Infra.Tests;

/// <summary>
/// The computeProfile parameter of infra/main.bicep: what the environment and the Functions app look like for each
/// value, read from the compiled ARM JSON as a deployment given that value would see it.
/// </summary>
public sealed class ComputeProfileTests(BicepBuildFixture fixture) : IClassFixture<BicepBuildFixture>
{
    [Fact]
    public void ComputeProfile_Parameter_AllowsCpuAndTwoGpusAndDefaultsToT4()
    {
        // Arrange
        JsonNode? parameter = fixture.Template["parameters"]?["computeProfile"];

        // Act
        string[] allowed = [.. parameter?["allowedValues"]?.AsArray().Select(value => (string?)value ?? "<none>") ?? []];

        // Assert: the default keeps the GPU deployment that existed before the parameter did.
        Assert.Equal(["cpu", "gpu-t4", "gpu-a100"], allowed);
        Assert.Equal("gpu-t4", (string?)parameter?["defaultValue"]);
    }

    [Fact]
    public void ComputeProfile_Cpu_DeclaresNoGpuProfileAndSetsTheCpuProvider()
    {
        // Arrange
        ArmScope deployment = fixture.MainWith(("computeProfile", "cpu"));

        // Act
        Deployed deployed = Read(deployment);

        // Assert
        Assert.Equal(["Consumption"], deployed.ProfileTypes);
        Assert.Equal("Consumption", deployed.AppProfileName);
        Assert.Equal("Consumption", deployed.ProfileTypeOf(deployed.AppProfileName));
        Assert.Equal("cpu", deployed.ExecutionProvider);
        Assert.Equal(("4", "8Gi"), (deployed.Cpu, deployed.Memory));
        Assert.Equal("cpu", deployed.ComputeProfileOutput);
    }

    [Theory]
    [InlineData("gpu-t4", "Consumption-GPU-NC8as-T4", "8", "56Gi")]
    [InlineData("gpu-a100", "Consumption-GPU-NC24-A100", "24", "220Gi")]
    public void ComputeProfile_Gpu_RunsTheAppOnThatServerlessGpuWithCuda(string profile, string gpuType, string cpu, string memory)
    {
        // Arrange
        ArmScope deployment = fixture.MainWith(("computeProfile", profile));

        // Act
        Deployed deployed = Read(deployment);

        // Assert
        Assert.Equal(["Consumption", gpuType], deployed.ProfileTypes);
        Assert.Equal(gpuType, deployed.ProfileTypeOf(deployed.AppProfileName));
        Assert.Equal("cuda", deployed.ExecutionProvider);
        Assert.Equal("0", deployed.CudaDeviceId);
        Assert.Equal((cpu, memory), (deployed.Cpu, deployed.Memory));
        Assert.Equal(profile, deployed.ComputeProfileOutput);
    }

    private static Deployed Read(ArmScope deployment)
    {
        ArmResource environment = Assert.Single(deployment.Resources, r => r.Type == "Microsoft.App/managedEnvironments");
        ArmResource app = Assert.Single(deployment.Resources, r => r.Type == "Microsoft.App/containerApps");
        JsonObject?[] profiles = [.. environment.Scope.ResolveObjects(environment.Properties["workloadProfiles"])];
        JsonNode? container = app.Properties["template"]?["containers"]?[0];
        Dictionary<string, string?> settings = container!["env"]!.AsArray()
            .ToDictionary(setting => (string)setting!["name"]!, setting => (string?)app.Resolve(setting!["value"]));
        return new Deployed(
            [.. profiles.Select(p => (string?)p?["name"] ?? "<unresolved>")],
            [.. profiles.Select(p => (string?)p?["workloadProfileType"] ?? "<unresolved>")],
            (string?)app.Resolve(app.Properties["workloadProfileName"]),
            settings.GetValueOrDefault("Inference__ExecutionProvider"),
            settings.GetValueOrDefault("Inference__CudaDeviceId"),
            (string?)app.Resolve(JsonArgument((string?)container["resources"]?["cpu"])),
            (string?)app.Resolve(container["resources"]?["memory"]),
            (string?)deployment.Resolve(deployment.Template["outputs"]?["COMPUTE_PROFILE"]?["value"]));
    }

    // Bicep writes cpu as json(parameters('cpu')) because the API takes a number; the string is what was chosen.
    private static JsonValue? JsonArgument(string? expression) =>
        expression?.StartsWith("[json(", StringComparison.Ordinal) == true ? JsonValue.Create("[" + expression[6..^2] + "]") : null;

    private sealed record Deployed(
        string[] ProfileNames,
        string[] ProfileTypes,
        string? AppProfileName,
        string? ExecutionProvider,
        string? CudaDeviceId,
        string? Cpu,
        string? Memory,
        string? ComputeProfileOutput)
    {
        public string? ProfileTypeOf(string? name) => Array.IndexOf(ProfileNames, name ?? string.Empty) is >= 0 and var i ? ProfileTypes[i] : null;
    }
}
