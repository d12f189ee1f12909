using System.Net;
using ServerlessCovid.Cli.Demo;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Tests;

public sealed class HeldOutReportSectionTests
{
    private const string Hostile = "<script>x</script>.png";

    [Fact]
    public void Render_HostileFileNameAndErrorReason_AreHtmlEscaped()
    {
        // Arrange
        HeldOutItem[] items = [new(Hostile, ClassNames.Covid, "r1"), new("fine.png", ClassNames.Normal, "r2")];
        TriageResult[] results =
        [
            Result("r1", TriageStatus.Rejected) with { ErrorCode = "not_an_image", ErrorReason = "<img src=x onerror=alert(1)>" },
            Scored("r2", ClassNames.Normal, 0.125),
        ];

        // Act
        string html = HeldOutReportSection.Render("v<1>", items, results, HeldOutEvaluation.From(items, results));

        // Assert
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;.png", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("Model v&lt;1&gt;", html, StringComparison.Ordinal);
        Assert.Contains("1 scored, 1 not scored.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ScoredResults_ShowsMatrixRatesThresholdAndEveryRow()
    {
        // Arrange: one true positive, one false positive, one true negative at threshold 0.3.
        HeldOutItem[] items =
        [
            new("a.png", ClassNames.Covid, "a"), new("b.png", ClassNames.Normal, "b"), new("c.png", ClassNames.Normal, "c"),
        ];
        TriageResult[] results = [Scored("a", ClassNames.Covid, 0.9), Scored("b", ClassNames.Covid, 0.4), Scored("c", ClassNames.Normal, 0.1)];

        // Act
        string html = HeldOutReportSection.Render("v1", items, results, HeldOutEvaluation.From(items, results));

        // Assert
        Assert.Contains(WebUtility.HtmlEncode(HeldOutReportSection.TitleFor(3)), html, StringComparison.Ordinal);
        Assert.Contains($"{ClassNames.Positive} if p ≥ 0.3.", html, StringComparison.Ordinal);
        Assert.Contains("accuracy<b>0.667", html, StringComparison.Ordinal);
        Assert.Contains("specificity<b>0.500</b>", html, StringComparison.Ordinal);
        Assert.Equal(3, CountOf(html, "<tr><td>"));
        Assert.Contains("<td>b.png</td><td>normal</td><td>0.400</td><td>covid</td><td>Scored</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void InsertInto_ReportWithVerdict_PutsSectionRightAfterVerdict()
    {
        // Arrange
        const string report = "<body><div class=\"banner\">b</div><h1>E</h1><div id=\"verdict\" class=\"verdict ok\"><b>V</b> s</div>\n<table>model</table></body>";

        // Act
        string html = HeldOutReportSection.InsertInto(report, "<section>S</section>");

        // Assert
        Assert.Equal(
            "<body><div class=\"banner\">b</div><h1>E</h1><div id=\"verdict\" class=\"verdict ok\"><b>V</b> s</div>\n<section>S</section>\n<table>model</table></body>",
            html);
    }

    [Fact]
    public void InsertInto_ReportWithoutVerdict_PutsSectionBeforeBodyEnd()
    {
        // Act
        string html = HeldOutReportSection.InsertInto("<body><h1>E</h1></body>", "<section>S</section>");

        // Assert
        Assert.Equal("<body><h1>E</h1><section>S</section></body>", html);
    }

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    private static TriageResult Scored(string id, string label, double pCovid) => Result(id, TriageStatus.Scored) with
    {
        Label = label,
        Probabilities = new Dictionary<string, double> { [ClassNames.Covid] = pCovid, [ClassNames.Normal] = 1 - pCovid },
        PositiveClass = ClassNames.Positive,
        Threshold = 0.3,
        ModelVersion = "v1",
    };

    private static TriageResult Result(string id, TriageStatus status) => new()
    {
        Hospital = "h",
        Id = id,
        Status = status,
        Source = TriageResult.HttpSource,
        CreatedUtc = DateTimeOffset.UnixEpoch,
    };
}
