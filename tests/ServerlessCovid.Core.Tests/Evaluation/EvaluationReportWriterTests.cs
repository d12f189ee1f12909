using System.Text.Json;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Evaluation;

public sealed class EvaluationReportWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-eval-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task WriteAsync_FixedScores_WritesJsonWithEveryMetric()
    {
        // Arrange
        EvaluationInput input = FixedInput();

        // Act
        EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 200 })
            .WriteAsync(input, _directory);

        // Assert
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, EvaluationReportWriter.MetricsFileName)));
        JsonElement root = json.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(Disclaimers.ResearchOnly, root.GetProperty("disclaimer").GetString());
        Assert.Equal("test-1", root.GetProperty("model").GetProperty("version").GetString());
        Assert.Equal(40, root.GetProperty("samples").GetInt32());
        Assert.Equal(metrics.Accuracy.Value, root.GetProperty("accuracy").GetProperty("value").GetDouble());
        Assert.True(root.GetProperty("accuracy").GetProperty("interval").GetProperty("lower").GetDouble() < metrics.Accuracy.Value);
        Assert.Equal(2, root.GetProperty("confusionMatrix").GetProperty("counts").GetArrayLength());
        Assert.Equal("covid", root.GetProperty("classificationReport").GetProperty("classes")[0].GetProperty("className").GetString());
        Assert.True(root.GetProperty("classificationReport").GetProperty("macroAverage").TryGetProperty("f1", out _));
        JsonElement roc = root.GetProperty("roc");
        Assert.Equal("Infinity", roc.GetProperty("curves").GetProperty("classes")[0].GetProperty("thresholds")[0].GetString());
        Assert.InRange(roc.GetProperty("curves").GetProperty("microAverage").GetProperty("auc").GetDouble(), 0.5, 1);
        Assert.InRange(roc.GetProperty("curves").GetProperty("macroAverage").GetProperty("auc").GetDouble(), 0.5, 1);
        Assert.Equal(200, roc.GetProperty("aucIntervals").GetProperty("replicates").GetInt32());
        Assert.Equal("wilson", root.GetProperty("operatingPoint").GetProperty("sensitivity").GetProperty("interval").GetProperty("method").GetString());
        Assert.Equal(0.5, root.GetProperty("operatingPoint").GetProperty("threshold").GetDouble());
        Assert.Equal(metrics.Loss.CategoricalCrossEntropy, root.GetProperty("loss").GetProperty("categoricalCrossEntropy").GetDouble());
        Assert.Equal(4, root.GetProperty("history").GetArrayLength());
        List<string?> codes = [.. root.GetProperty("datasetAudit").GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString())];
        Assert.Contains(AuditWarningCodes.ClassSourceConfounding, codes);
        Assert.Contains(AuditWarningCodes.DuplicatesAcrossSplits, codes);
        Assert.Equal(metrics.ToSummary().Accuracy, metrics.Accuracy.Value);
        JsonElement verdict = root.GetProperty("verdict");
        Assert.True(verdict.GetProperty("discriminates").GetBoolean());
        Assert.Equal(metrics.ToSummary().PositiveClassAucLowerBound, verdict.GetProperty("aucLowerBound").GetDouble());
        Assert.StartsWith("The model discriminates covid", verdict.GetProperty("sentence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToSummary_FixedScores_CarriesThePositiveClassAucIntervalAndCountsPerClass()
    {
        // Arrange
        EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 200 })
            .WriteAsync(FixedInput(), _directory);
        int covid = metrics.ClassNames.ToList().IndexOf(ClassNames.Covid);

        // Act
        ModelEvaluationSummary summary = metrics.ToSummary();

        // Assert: the bounds are the bootstrap's for the positive class, not those of another class or an average.
        Assert.Equal(metrics.Roc.AucIntervals.Classes[covid]!.Lower, summary.PositiveClassAucLowerBound);
        Assert.Equal(metrics.Roc.AucIntervals.Classes[covid]!.Upper, summary.PositiveClassAucUpperBound);
        Assert.InRange(summary.PositiveClassAuc, summary.PositiveClassAucLowerBound!.Value, summary.PositiveClassAucUpperBound!.Value);
        Assert.True(summary.PositiveClassAucLowerBound < summary.PositiveClassAuc);
        Assert.Equal(new Dictionary<string, int> { [ClassNames.Covid] = 20, [ClassNames.Normal] = 20 }, summary.SamplesPerClass);
    }

    [Fact]
    public async Task WriteAsync_FixedScores_EveryFigureDecodesWithRealContent()
    {
        // Arrange
        EvaluationInput input = FixedInput();

        // Act
        await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 100 }).WriteAsync(input, _directory);

        // Assert
        string[] pngs = Directory.GetFiles(_directory, "*.png").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["fig04-metrics-per-epoch.png", "fig05-loss.png", "fig06-accuracy.png", "fig07-confusion-matrix.png",
             "fig08-classification-report.png", "fig09-roc.png", "fig10-roc-zoom.png", "score-histogram.png"],
            pngs.Select(Path.GetFileName));
        foreach (string png in pngs)
        {
            using Image<Rgba32> image = Image.Load<Rgba32>(png);
            Assert.Equal((800, 600), (image.Width, image.Height));
            Assert.True(DistinctColours(image) > 20, $"{Path.GetFileName(png)} looks blank");
        }
    }

    [Fact]
    public async Task WriteAsync_FixedScores_HtmlIsSelfContainedWithBannerAndAllFigures()
    {
        // Arrange
        EvaluationInput input = FixedInput();

        // Act
        await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 100 }).WriteAsync(input, _directory);

        // Assert
        string html = await File.ReadAllTextAsync(Path.Combine(_directory, EvaluationReportWriter.HtmlFileName));
        Assert.Equal(1, CountOf(html, "Research tool, not a diagnostic device."));
        Assert.Equal(1, CountOf(html, "class=\"banner\""));
        Assert.Equal(1, CountOf(html, "ot for clinical use"));
        Assert.Equal(8, CountOf(html, "src=\"data:image/png;base64,"));
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.Contains(AuditWarningCodes.ClassSourceConfounding, html, StringComparison.Ordinal);
        Assert.Contains("abc123", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_SameInputTwice_MetricsJsonIsByteIdentical()
    {
        // Arrange
        EvaluationReportWriter writer = EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 100 });
        string second = Path.Combine(_directory, "again");

        // Act
        await writer.WriteAsync(FixedInput(), _directory);
        await writer.WriteAsync(FixedInput(), second);

        // Assert
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(_directory, EvaluationReportWriter.MetricsFileName)),
            await File.ReadAllTextAsync(Path.Combine(second, EvaluationReportWriter.MetricsFileName)));
    }

    [Fact]
    public async Task WriteAsync_SingleClassWithoutHistory_WritesReportWithUndefinedAuc()
    {
        // Arrange
        EvaluationInput input = new(new EvaluatedModel("test-2", null, ClassNames.Covid, 0.5, "default"), "covid only",
            EvaluationSamples.SingleClass());

        // Act
        EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 100 })
            .WriteAsync(input, _directory);

        // Assert
        Assert.Null(metrics.Roc.Curves.Classes[0].Auc);
        Assert.Null(metrics.DatasetAudit);
        Assert.Throws<EvaluationInputException>(metrics.ToSummary);
        string html = await File.ReadAllTextAsync(Path.Combine(_directory, EvaluationReportWriter.HtmlFileName));
        Assert.Contains("undefined: ROC/AUC undefined for &#39;covid&#39;", html, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "fig05-loss.png")));
        Assert.True(File.Exists(Path.Combine(_directory, "fig07-confusion-matrix.png")));
    }

    [Fact]
    public async Task WriteAsync_ModelAtChance_FirstScreenSaysDoNotUse()
    {
        // Arrange: scores that ignore the label (the demo's broken export looked like this).
        List<string> labels = [.. Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? ClassNames.Covid : ClassNames.Normal)];
        List<IReadOnlyList<double>> probabilities = [.. labels.Select((_, i) => (IReadOnlyList<double>)[(i / 2 % 10) / 10.0, 1 - ((i / 2 % 10) / 10.0)])];
        EvaluationInput input = new(new EvaluatedModel("chance", null, ClassNames.Covid, 0.3, "youden on validation"), "chance",
            ScoredSet.FromLabelNames(ClassNames.InOutputOrder, labels, probabilities));

        // Act
        EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 100 })
            .WriteAsync(input, _directory);

        // Assert: the verdict comes before any section, right under the title.
        string html = await File.ReadAllTextAsync(Path.Combine(_directory, EvaluationReportWriter.HtmlFileName));
        Assert.False(metrics.Verdict.Discriminates);
        int verdict = html.IndexOf("<b>Verdict:</b> The model does not discriminate covid: do not use", StringComparison.Ordinal);
        Assert.InRange(verdict, html.IndexOf("<h1>", StringComparison.Ordinal), html.IndexOf("<table>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_FixedScores_FirstScreenSaysDiscriminatesAndShowsBothRules()
    {
        // Arrange
        EvaluationInput input = FixedInput();

        // Act
        EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 100 })
            .WriteAsync(input, _directory);

        // Assert: three of 20 COVID images fall under argmax's 0.5, so argmax sensitivity is 17/20 in both columns here.
        string html = await File.ReadAllTextAsync(Path.Combine(_directory, EvaluationReportWriter.HtmlFileName));
        int verdict = html.IndexOf("<b>Verdict:</b> The model discriminates covid", StringComparison.Ordinal);
        Assert.InRange(verdict, html.IndexOf("<h1>", StringComparison.Ordinal), html.IndexOf("<table>", StringComparison.Ordinal));
        Assert.Contains(System.Net.WebUtility.HtmlEncode(metrics.Verdict.Sentence), html, StringComparison.Ordinal);
        Assert.Contains("argmax (paper): highest probability wins", html, StringComparison.Ordinal);
        Assert.Contains("operating point (served): covid if p ≥ 0.5", html, StringComparison.Ordinal);
        int row = html.IndexOf("<td>sensitivity (recall)</td>", StringComparison.Ordinal);
        string sensitivityRow = html[row..html.IndexOf("</tr>", row, StringComparison.Ordinal)];
        Assert.Equal(2, CountOf(sensitivityRow, "<small>(17/20)</small>"));
    }

    /// <summary>
    /// 20 COVID and 20 normal images with fixed scores (three COVID and two normal on the wrong side of 0.5), the
    /// paper's class/source construction, and one validation image that is a byte-identical copy of a training image.
    /// </summary>
    private static EvaluationInput FixedInput()
    {
        List<string> labels = [];
        List<IReadOnlyList<double>> probabilities = [];
        for (int i = 0; i < 20; i++)
        {
            double covid = i < 3 ? 0.2 + (0.1 * i) : 0.55 + (0.02 * i);
            labels.Add(ClassNames.Covid);
            probabilities.Add([covid, 1 - covid]);
            double normalCovid = i < 2 ? 0.6 + (0.1 * i) : 0.02 * i;
            labels.Add(ClassNames.Normal);
            probabilities.Add([normalCovid, 1 - normalCovid]);
        }

        ScoredSet scores = ScoredSet.FromLabelNames(ClassNames.InOutputOrder, labels, probabilities);
        List<AuditItem> items = [];
        for (int i = 0; i < 6; i++)
        {
            using Image<L8> image = TestImages.Pattern(64, 0.1 + (0.15 * i), 0.5);
            ImageFingerprint fingerprint = ImageFingerprint.Compute(TestImages.Png(image));
            string label = i % 2 == 0 ? ClassNames.Covid : ClassNames.Normal;
            string source = label == ClassNames.Covid ? "cohen" : "kermany-pediatric";
            items.Add(new AuditItem($"{label}/{i}.png", label, i < 4 ? "train" : "validation", source, $"p{i}", fingerprint));
        }

        items.Add(items[0] with { Path = "covid/copy-of-0.png", Split = "validation", Group = "p99" });
        return new EvaluationInput(new EvaluatedModel("test-1", "abc123", ClassNames.Covid, 0.5, "default"), "fixed scores", scores)
        {
            History = EvaluationSamples.History(),
            AuditItems = items,
        };
    }

    private static int DistinctColours(Image<Rgba32> image)
    {
        HashSet<Rgba32> colours = [];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                foreach (Rgba32 pixel in rows.GetRowSpan(y))
                {
                    colours.Add(pixel);
                }
            }
        });
        return colours.Count;
    }

    private static int CountOf(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
