using System.Globalization;
using System.Net;
using System.Text;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Demo;

/// <summary>
/// The demo's held-out triage as a section of the local copy of report.html. It describes this demo run, not the
/// model, so only the downloaded copy gets it; the report blob stays as the pipeline wrote it. It reuses the report's
/// own table and headline styles, and leaves out the disclaimer because the page's banner already carries it.
/// </summary>
internal static class HeldOutReportSection
{
    public const string Id = "held-out";

    public static string TitleFor(int images) =>
        string.Create(CultureInfo.InvariantCulture, $"Held-out triage (the demo's {images} fresh x-rays, never seen in training or validation)");

    /// <summary>Puts the section just after the verdict, so it is on the first screen.</summary>
    public static string InsertInto(string reportHtml, string sectionHtml)
    {
        ArgumentNullException.ThrowIfNull(reportHtml);
        int verdict = reportHtml.IndexOf("<div id=\"verdict\"", StringComparison.Ordinal);
        int end = verdict < 0 ? -1 : reportHtml.IndexOf("</div>", verdict, StringComparison.Ordinal);
        if (end >= 0)
        {
            int at = end + "</div>".Length;
            return reportHtml[..at] + "\n" + sectionHtml + reportHtml[at..];
        }

        // An older report without a verdict: the section must still be found, so it goes before the page's end.
        int bodyEnd = reportHtml.LastIndexOf("</body>", StringComparison.Ordinal);
        return bodyEnd < 0 ? reportHtml + sectionHtml : reportHtml[..bodyEnd] + sectionHtml + reportHtml[bodyEnd..];
    }

    public static string Render(string modelVersion, IReadOnlyList<HeldOutItem> items, IReadOnlyList<TriageResult> results, HeldOutEvaluation heldOut)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(heldOut);
        Dictionary<string, TriageResult> byId = results.ToDictionary(r => r.Id, StringComparer.Ordinal);
        double? threshold = results.FirstOrDefault(r => r.IsScored && r.Threshold is not null)?.Threshold;
        StringBuilder html = new();
        html.Append("<section id=\"").Append(Id).Append("\"><h2>")
            .Append(E(TitleFor(heldOut.Total))).Append("</h2>\n<p>Model ")
            .Append(E(modelVersion)).Append(", served threshold: ").Append(E(ClassNames.Positive)).Append(" if p ≥ ")
            .Append(threshold is double t ? F(t, "0.####") : "unknown").Append(". ")
            .Append(I(heldOut.Scored)).Append(" scored, ").Append(I(heldOut.NotScored)).Append(" not scored.</p>\n");

        html.Append("<div class=\"headline\">");
        Tile(html, "accuracy", F(heldOut.Accuracy) + (heldOut.AccuracyInterval is { } ci
            ? " <small>[" + F(ci.Lower) + ", " + F(ci.Upper) + "] 95% Wilson</small>" : string.Empty));
        Tile(html, "sensitivity (" + ClassNames.Positive + ")", F(heldOut.Sensitivity));
        Tile(html, "specificity", F(heldOut.Specificity));
        html.Append("</div>\n");

        html.Append("<table class=\"held-out-matrix\"><thead><tr><th>true \\ predicted</th>");
        foreach (string label in heldOut.ClassNames)
        {
            html.Append("<th>").Append(E(label)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        for (int actual = 0; actual < heldOut.ClassNames.Count; actual++)
        {
            html.Append("<tr><th>").Append(E(heldOut.ClassNames[actual])).Append("</th>");
            foreach (int count in heldOut.Counts[actual])
            {
                html.Append("<td>").Append(I(count)).Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table>\n<table class=\"held-out-results\"><thead><tr><th>image</th><th>true label</th><th>P(")
            .Append(E(ClassNames.Positive)).Append(")</th><th>predicted</th><th>status</th></tr></thead><tbody>");
        foreach (HeldOutItem item in items)
        {
            AppendResult(html, item, byId.GetValueOrDefault(item.ResultId));
        }

        html.Append("</tbody></table></section>\n");
        return html.ToString();
    }

    private static void AppendResult(StringBuilder html, HeldOutItem item, TriageResult? result)
    {
        double? p = result?.Probabilities is { } probabilities && probabilities.TryGetValue(ClassNames.Positive, out double value) ? value : null;
        string status = result is null ? "no result row"
            : result.ErrorCode is null ? result.Status.ToString()
            : result.Status + ": " + result.ErrorCode + (result.ErrorReason is null ? string.Empty : " (" + result.ErrorReason + ")");
        html.Append("<tr><td>").Append(E(item.Name)).Append("</td><td>").Append(E(item.TrueLabel)).Append("</td><td>")
            .Append(F(p)).Append("</td><td>").Append(E(result?.Label ?? "—")).Append("</td><td>").Append(E(status)).Append("</td></tr>");
    }

    private static void Tile(StringBuilder html, string name, string valueHtml) =>
        html.Append("<div>").Append(E(name)).Append("<b>").Append(valueHtml).Append("</b></div>");

    private static string F(double? value, string format = "0.000") =>
        value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
