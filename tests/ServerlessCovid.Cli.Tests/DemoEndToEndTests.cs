using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Cli.Commands;
using ServerlessCovid.Cli.Demo;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// The README's demo, end to end, as CI runs it: <c>covid demo --quick</c> against Azurite (the shared fixture, with this
/// test's own containers and tables), then the outputs are checked in storage and on disk.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class DemoEndToEndTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Demo_Quick_PublishesModelTriagesHeldOutAndWritesReport()
    {
        // Setup
        StorageOptions options = azurite.NewStorageOptions();
        DirectoryInfo output = Directory.CreateTempSubdirectory("covid-demo-");

        try
        {
            // Trigger
            CliRun run = await CliRunner.RunAsync(
                ["demo", "--quick", "--out", output.FullName, .. StorageCliArguments.For(azurite, options)]);

            // Verify: what the newcomer reads, and the summary written beside it (the same as --json prints).
            Assert.True(run.ExitCode == CovidCli.Success, run.Error);
            using JsonDocument summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, DemoCommand.SummaryFileName)));
            JsonElement root = summary.RootElement;
            string version = root.GetProperty("modelVersion").GetString()!;
            foreach (string section in new[] { "Results table", "Held-out confusion matrix", "Stage timings", "Metric totals", "Model and report" })
            {
                Assert.Contains(section, run.Output, StringComparison.Ordinal);
            }

            Assert.Contains($"{version} (published by this run)", run.Output, StringComparison.Ordinal);
            Assert.Contains(root.GetProperty("reportPath").GetString()!, run.Output, StringComparison.Ordinal);
            Assert.Contains("Retraining: done in", run.Error, StringComparison.Ordinal);
            Assert.Contains($"Memory: this demo needs {DemoSettings.Quick(output.FullName).MemoryNeed}", run.Error, StringComparison.Ordinal);
            Assert.Equal("Published", root.GetProperty("retrainingStatus").GetString());
            Assert.True(root.GetProperty("publishedThisRun").GetBoolean());
            Assert.Equal(10, root.GetProperty("heldOutImages").GetInt32());
            Assert.Equal(Disclaimers.ResearchOnly, root.GetProperty("disclaimer").GetString());
            string[] stages = [.. root.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("stage").GetString()!)];
            Assert.Contains(stages, s => s.StartsWith("retraining pipeline", StringComparison.Ordinal));
            Assert.Contains(stages, s => s.StartsWith("triage", StringComparison.Ordinal));
            Assert.All(root.GetProperty("stages").EnumerateArray(), s => Assert.True(s.GetProperty("seconds").GetDouble() >= 0));

            // Verify: the metric totals the same instrumentation as the Functions app recorded in process.
            Dictionary<string, JsonElement> metrics = root.GetProperty("metrics").EnumerateArray()
                .ToDictionary(m => $"{m.GetProperty("instrument").GetString()} [{m.GetProperty("attributes").GetString()}]");
            Assert.Equal(10, metrics["serverlesscovid.triage.images [source=blob, status=scored]"].GetProperty("value").GetDouble());
            Assert.Equal(10, metrics["serverlesscovid.triage.stage.duration [source=blob, stage=total]"].GetProperty("count").GetInt64());
            Assert.Equal(1, metrics["serverlesscovid.retraining.runs [outcome=published]"].GetProperty("value").GetDouble());
            Assert.Equal(1, metrics[$"serverlesscovid.model.served [model_version={version}]"].GetProperty("value").GetDouble());
            Assert.Contains("serverlesscovid.triage.images", run.Output, StringComparison.Ordinal);

            // Verify: the model is published and served.
            BlobModelRegistry registry = new(
                azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
            CurrentModelPointer? current = await registry.GetCurrentAsync();
            Assert.Equal(version, current?.Version);
            ModelPackage package = await registry.LoadPackageAsync(version);
            Assert.Equal("tiny", package.Manifest.Training?.Preset);
            Assert.NotNull(await registry.DownloadArtifactAsync(version, "report.html"));

            // Verify: one scored row per held-out x-ray in the results table, by the published model.
            TriageResultStore store = new(azurite.CreateTableServiceClient(), Options.Create(options), NullLogger<TriageResultStore>.Instance);
            IReadOnlyList<TriageResult> rows = await ResultsCommand.ReadAsync(store, "demo-hospital", new TriageResultQuery(), 100, default);
            Assert.Equal(10, rows.Count);
            Assert.All(rows, row =>
            {
                Assert.Equal(TriageStatus.Scored, row.Status);
                Assert.Equal(version, row.ModelVersion);
                Assert.True(ClassNames.IsKnown(row.Label));
            });
            JsonElement heldOut = root.GetProperty("heldOut");
            Assert.Equal(10, heldOut.GetProperty("scored").GetInt32());
            Assert.Equal(10, heldOut.GetProperty("counts").EnumerateArray().Sum(r => r.EnumerateArray().Sum(c => c.GetInt32())));

            // Verify: the report and the summary on disk.
            string reportPath = root.GetProperty("reportPath").GetString()!;
            Assert.True(File.Exists(reportPath), reportPath);
            string report = await File.ReadAllTextAsync(reportPath);
            Assert.Contains(Disclaimers.ResearchOnly, report, StringComparison.Ordinal);
            Assert.Equal(1, CountOf(report, Disclaimers.ResearchOnly));

            // Verify: the local report carries the held-out section right after the verdict; the blob does not.
            int verdict = report.IndexOf("id=\"verdict\"", StringComparison.Ordinal);
            int heldOutStart = report.IndexOf($"<section id=\"{HeldOutReportSection.Id}\">", StringComparison.Ordinal);
            Assert.InRange(verdict, 0, heldOutStart);
            Assert.True(heldOutStart < report.IndexOf("<table", verdict, StringComparison.Ordinal), "the section is not before the model table");
            string heldOutHtml = report[heldOutStart..report.IndexOf("</section>", heldOutStart, StringComparison.Ordinal)];
            Assert.Contains(WebUtility.HtmlEncode(HeldOutReportSection.TitleFor(10)), heldOutHtml, StringComparison.Ordinal);
            Assert.Contains($"Model {version},", heldOutHtml, StringComparison.Ordinal);
            Assert.Contains("10 scored, 0 not scored.", heldOutHtml, StringComparison.Ordinal);
            Assert.Equal(10, CountOf(heldOutHtml, "<tr><td>"));
            Assert.All(rows, row => Assert.Contains($"<td>{row.SourceName}</td>", heldOutHtml, StringComparison.Ordinal));
            string blobReport = (await registry.DownloadArtifactAsync(version, "report.html"))!.ToString();
            Assert.DoesNotContain(HeldOutReportSection.Id + "\"", blobReport, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(reportPath)!, ModelManifest.FileName)));
        }
        finally
        {
            // Cleanup (the fixture deletes this test's containers and tables).
            output.Delete(recursive: true);
        }
    }

    private static int CountOf(string text, string value) =>
        (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;
}
