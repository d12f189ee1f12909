using System.Globalization;
using System.Net;
using System.Text;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>The report's formatting helpers, shared by its sections so every number is spelled one way.</summary>
internal static class ReportHtml
{
    public static void Row(StringBuilder html, string name, string valueHtml) =>
        html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(valueHtml).Append("</td></tr>");

    public static void Tile(StringBuilder html, string name, string valueHtml) =>
        html.Append("<div>").Append(E(name)).Append("<b>").Append(valueHtml).Append("</b></div>");

    public static string P(Proportion p) =>
        F(p.Value) + Ci(p.Interval) + " <small>(" + I(p.Successes) + "/" + I(p.Trials) + ")</small>";

    public static string Ci(ConfidenceInterval? ci) =>
        ci is null ? string.Empty : " <small>[" + F(ci.Lower) + ", " + F(ci.Upper) + "]</small>";

    public static string F(double value, string format = "0.000") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string E(string text) => WebUtility.HtmlEncode(text);
}
