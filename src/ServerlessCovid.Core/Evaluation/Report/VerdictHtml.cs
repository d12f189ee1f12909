using System.Text;
using ServerlessCovid.Core.Evaluation.Metrics;
using static ServerlessCovid.Core.Evaluation.Report.ReportHtml;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>
/// The report's first screen: the verdict, then the paper's argmax rule beside the served threshold rule. Both rules
/// are shown because they disagree: the paper reports argmax, while the service labels by threshold.
/// </summary>
internal static class VerdictHtml
{
    public const string Css = """
        .verdict{font-size:1.2rem;padding:.9rem 1.1rem;margin:.5rem 0 1rem;border-radius:6px}
        .verdict.ok{background:#e6f4ea;border-left:8px solid #1e7e34}.verdict.bad{background:#fde2e1;border-left:8px solid #b00020}
        """;

    public static void AppendVerdict(StringBuilder html, ModelVerdict verdict)
    {
        html.Append("<div id=\"verdict\" class=\"verdict ").Append(verdict.Discriminates ? "ok" : "bad")
            .Append("\" role=\"status\"><b>Verdict:</b> ").Append(E(verdict.Sentence)).Append("</div>\n");
    }

    public static void AppendRulesSideBySide(StringBuilder html, EvaluationMetrics m)
    {
        OperatingPoint op = m.OperatingPoint;
        int positive = m.ClassNames.ToList().IndexOf(op.PositiveClass);
        if (positive < 0)
        {
            return;
        }

        (int tp, int fn, int fp, int tn) = ArgmaxCounts(m.ConfusionMatrix, positive);
        html.Append("<h2>Argmax (the paper's rule) vs the served operating point</h2>")
            .Append("<table><thead><tr><th>").Append(E(op.PositiveClass)).Append(" vs rest</th>")
            .Append("<th>argmax (paper): highest probability wins</th><th>operating point (served): ").Append(E(op.PositiveClass))
            .Append(" if p ≥ ").Append(F(op.Threshold, "0.####")).Append("</th></tr></thead><tbody>");
        Compare(html, "sensitivity (recall)", Proportion.Of(tp, tp + fn), op.Sensitivity);
        Compare(html, "specificity", Proportion.Of(tn, tn + fp), op.Specificity);
        Compare(html, "precision (PPV)", Proportion.Of(tp, tp + fp), Proportion.Of(op.TruePositives, op.TruePositives + op.FalsePositives));
        Compare(html, "accuracy, " + op.PositiveClass + " vs rest", Proportion.Of(tp + tn, tp + fn + fp + tn),
            Proportion.Of(op.TruePositives + op.TrueNegatives, op.TruePositives + op.FalseNegatives + op.FalsePositives + op.TrueNegatives));
        html.Append("<tr><td>TP / FN / FP / TN</td><td>").Append(I(tp)).Append(" / ").Append(I(fn)).Append(" / ").Append(I(fp))
            .Append(" / ").Append(I(tn)).Append("</td><td>").Append(I(op.TruePositives)).Append(" / ").Append(I(op.FalseNegatives))
            .Append(" / ").Append(I(op.FalsePositives)).Append(" / ").Append(I(op.TrueNegatives)).Append("</td></tr></tbody></table>\n");
    }

    /// <summary>The positive class's one-vs-rest counts under argmax, read off the confusion matrix.</summary>
    private static (int Tp, int Fn, int Fp, int Tn) ArgmaxCounts(ConfusionMatrix cm, int positive)
    {
        int total = cm.Counts.Sum(row => row.Sum());
        int tp = cm.Counts[positive][positive];
        int fn = cm.Counts[positive].Sum() - tp;
        int fp = cm.Counts.Sum(row => row[positive]) - tp;
        return (tp, fn, fp, total - tp - fn - fp);
    }

    private static void Compare(StringBuilder html, string name, Proportion argmax, Proportion operatingPoint) =>
        html.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(P(argmax)).Append("</td><td>").Append(P(operatingPoint))
            .Append("</td></tr>");
}
