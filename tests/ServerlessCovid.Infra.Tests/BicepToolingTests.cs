using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServerlessCovid.Infra.Tests;

/// <summary>The CI gate for infra/: the template compiles and lints with no error and no warning.</summary>
public sealed class BicepToolingTests(BicepBuildFixture fixture) : IClassFixture<BicepBuildFixture>
{
    [Fact]
    public void Build_MainTemplate_SucceedsWithoutDiagnostics()
    {
        // Arrange: the fixture ran `bicep build infra/main.bicep --outfile <temp>`.
        BicepResult build = fixture.Build;

        // Act
        string diagnostics = build.Combined;

        // Assert
        Assert.True(build.ExitCode == 0, $"bicep build failed ({build.ExitCode}):\n{diagnostics}");
        Assert.True(diagnostics.Length == 0, $"bicep build reported diagnostics:\n{diagnostics}");
        Assert.NotEmpty(fixture.Template);
    }

    [Fact]
    public async Task Lint_MainTemplate_ReportsNoFindings()
    {
        // Arrange
        string main = BicepBuildFixture.MainBicep;

        // Act
        BicepResult lint = await BicepCli.RunAsync("lint", main);

        // Assert
        Assert.True(lint.ExitCode == 0, $"bicep lint failed ({lint.ExitCode}):\n{lint.Combined}");
        Assert.True(lint.Combined.Length == 0, $"bicep lint reported findings:\n{lint.Combined}");
    }

    [Fact]
    public async Task LinterConfig_Rules_AreAllEnabledAtWarningLevel()
    {
        // Arrange: a rule set to "off" (or "info", which the lint gate would not fail on) hides findings.
        string config = await File.ReadAllTextAsync(RepositoryRoot.Combine("infra", "bicepconfig.json"));
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip };

        // Act
        JsonNode? core = JsonNode.Parse(config, documentOptions: options)?["analyzers"]?["core"];
        JsonObject rules = core?["rules"]?.AsObject() ?? [];

        // Assert
        Assert.True(core?["enabled"]?.GetValue<bool>());
        Assert.True(rules.Count >= 30, $"only {rules.Count} linter rules configured");
        Assert.All(rules, rule => Assert.Equal("warning", (string?)rule.Value?["level"]));
    }
}
