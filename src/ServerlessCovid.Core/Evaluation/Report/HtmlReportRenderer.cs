using System.Globalization;
using System.Text;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Figures;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;
using static ServerlessCovid.Core.Evaluation.Report.ReportHtml;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>
/// One self-contained HTML page: inline CSS, figures as base64 data URIs, no scripts or external links, so it reads
/// offline and can be mailed or archived as a single file. The audit comes before the numbers on purpose.
/// </summary>
public static class HtmlReportRenderer
{
    private const string Css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:0 1rem 3rem;color:#1b1b1b}
        .banner{background:#b00020;color:#fff;padding:1rem 1.25rem;font-size:1.15rem;font-weight:600;margin:0 -1rem 1rem}
        .warning{background:#fff3cd;border-left:6px solid #d97706;padding:.75rem 1rem;margin:.5rem 0}
        .warning.severe{background:#fde2e1;border-left-color:#b00020}
        table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}
        th:first-child,td:first-child{text-align:left}thead th{background:#f2f2f2}
        .headline{display:flex;flex-wrap:wrap;gap:.75rem}.headline div{border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem}
        .headline b{display:block;font-size:1.4rem}figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}
        code{font-size:.9em}small{color:#555}
        """;

    private static readonly HashSet<string> SevereWarnings =
        [AuditWarningCodes.ClassSourceConfounding, AuditWarningCodes.GroupLeakage, AuditWarningCodes.DuplicatesAcrossSplits];

    /// <summary>The page; a null <paramref name="gallery"/> (the writer had no image files) omits the misclassified section.</summary>
    public static string Render(
        EvaluationMetrics metrics, IReadOnlyList<ReportFigure> figures, DateTimeOffset generatedUtc, TimeSpan? elapsed = null,
        IReadOnlyList<MisclassifiedImage>? gallery = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(figures);
        StringBuilder html = new();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>Evaluation report — model ").Append(E(metrics.Model.Version)).Append("</title><style>")
            .Append(Css).Append(VerdictHtml.Css).Append(GalleryHtml.Css).Append("</style></head><body>\n");
        // The disclaimer once: it already says "research tool" and "not for clinical use".
        html.Append("<div class=\"banner\" role=\"alert\">").Append(E(Disclaimers.ResearchOnly)).Append("</div>\n");
        html.Append("<h1>Evaluation report</h1>\n");
        VerdictHtml.AppendVerdict(html, metrics.Verdict);
        AppendModel(html, metrics, generatedUtc, elapsed);
        AppendAudit(html, metrics.DatasetAudit);
        AppendRejected(html, metrics.RejectedImages);
        AppendHeadline(html, metrics);
        VerdictHtml.AppendRulesSideBySide(html, metrics);
        AppendClassificationReport(html, metrics.ClassificationReport);
        AppendConfusionMatrix(html, metrics.ConfusionMatrix);
        AppendRoc(html, metrics.Roc);
        LocalisationHtml.Append(html, metrics.Localisation);
        AppendHistory(html, metrics.History);
        html.Append("<h2>Figures</h2>\n");
        if (EvaluationFigures.FontProblem is string fontProblem)
        {
            html.Append("<div class=\"warning\">").Append(E(fontProblem)).Append("</div>\n");
        }

        foreach (ReportFigure figure in figures)
        {
            html.Append("<figure><img alt=\"").Append(E(figure.Title)).Append("\" src=\"data:image/png;base64,")
                .Append(Convert.ToBase64String(figure.Png.Span)).Append("\"><figcaption><b>").Append(E(figure.Title))
                .Append("</b>. ").Append(E(figure.Caption)).Append("</figcaption></figure>\n");
        }

        if (gallery is not null)
        {
            GalleryHtml.Append(html, gallery, metrics.OperatingPoint.PositiveClass);
        }

        AppendMethods(html, metrics);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendModel(StringBuilder html, EvaluationMetrics m, DateTimeOffset generatedUtc, TimeSpan? elapsed)
    {
        html.Append("<table><tbody>");
        Row(html, "Model version", E(m.Model.Version));
        Row(html, "model.onnx SHA-256", "<code>" + E(m.Model.OnnxSha256 ?? "unknown") + "</code>");
        Row(html, "Evaluated on", E(m.DatasetName) + " (" + I(m.Samples) + " images)");
        Row(html, "Classes (output order)", E(string.Join(", ", m.ClassNames)));
        Row(html, "Operating threshold", E(m.OperatingPoint.PositiveClass) + " if p ≥ " + F(m.OperatingPoint.Threshold, "0.####")
            + " (" + E(m.OperatingPoint.ThresholdMethod) + ")");
        Row(html, "Generated", E(generatedUtc.ToString("u", CultureInfo.InvariantCulture))
            + (elapsed is TimeSpan t ? " in " + F(t.TotalSeconds, "0.00") + " s" : string.Empty));
        html.Append("</tbody></table>\n");
    }

    private static void AppendAudit(StringBuilder html, DatasetAudit? audit)
    {
        html.Append("<h2>Dataset audit</h2>\n");
        if (audit is null)
        {
            html.Append("<div class=\"warning severe\">No dataset items were given, so sources, patient leakage and duplicates were "
                + "not checked. Treat every number below as unverified.</div>\n");
            return;
        }

        foreach (AuditWarning warning in audit.Warnings)
        {
            html.Append("<div class=\"warning").Append(SevereWarnings.Contains(warning.Code) ? " severe" : string.Empty)
                .Append("\"><b>").Append(E(warning.Code)).Append(":</b> ").Append(E(warning.Message)).Append("</div>\n");
        }

        List<string> labels = [.. audit.CountsBySplitAndClass.Select(c => c.Label).Distinct().Order(StringComparer.Ordinal)];
        html.Append("<h3>Images per split and class</h3><table><thead><tr><th>split</th>");
        labels.ForEach(l => html.Append("<th>").Append(E(l)).Append("</th>"));
        html.Append("<th>total</th></tr></thead><tbody>");
        foreach (string split in audit.Splits)
        {
            html.Append("<tr><td>").Append(E(split)).Append("</td>");
            int total = 0;
            foreach (string label in labels)
            {
                int n = audit.CountsBySplitAndClass.FirstOrDefault(c => c.Split == split && c.Label == label)?.Count ?? 0;
                total += n;
                html.Append("<td>").Append(I(n)).Append("</td>");
            }

            html.Append("<td>").Append(I(total)).Append("</td></tr>");
        }

        html.Append("</tbody></table>\n");
        if (audit.CountsBySourceAndClass.Count > 0)
        {
            html.Append("<h3>Images per class and source</h3><table><thead><tr><th>class</th><th>source</th><th>images</th></tr></thead><tbody>");
            foreach (SourceClassCount s in audit.CountsBySourceAndClass)
            {
                html.Append("<tr><td>").Append(E(s.Label)).Append("</td><td>").Append(E(s.Source)).Append("</td><td>")
                    .Append(I(s.Count)).Append("</td></tr>");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("<p>").Append(I(audit.GroupCount)).Append(" groups (patients); ").Append(I(audit.GroupLeaks.Count))
            .Append(" span more than one split. ").Append(I(audit.ExactDuplicatePairs)).Append(" identical and ")
            .Append(I(audit.NearDuplicatePairs)).Append(" near-duplicate (256-bit dHash distance ≤ ").Append(I(audit.NearDuplicateBounds.MaxHashDistance))
            .Append(", SSIM ≥ ").Append(F(audit.NearDuplicateBounds.MinSsim, "0.###")).Append(") image pairs across splits; ")
            .Append(I(audit.NearDuplicateCandidatePairs)).Append(" pairs were close enough by hash to be checked by SSIM.</p>\n");
        if (audit.DuplicatePairs.Count > 0)
        {
            html.Append("<table><thead><tr><th>image</th><th>split/class</th><th>image</th><th>split/class</th><th>kind</th></tr></thead><tbody>");
            foreach (DuplicatePair p in audit.DuplicatePairs.Take(50))
            {
                html.Append("<tr><td>").Append(E(p.PathA)).Append("</td><td>").Append(E(p.SplitA + "/" + p.LabelA)).Append("</td><td>")
                    .Append(E(p.PathB)).Append("</td><td>").Append(E(p.SplitB + "/" + p.LabelB)).Append("</td><td>")
                    .Append(p.Exact ? "identical" : "distance " + I(p.HashDistance) + ", SSIM " + F(p.Ssim, "0.000")).Append("</td></tr>");
            }

            html.Append("</tbody></table>").Append(audit.DuplicatePairs.Count > 50 ? "<p><small>First 50 pairs; metrics.json lists more.</small></p>" : string.Empty)
                .Append('\n');
        }
    }

    private static void AppendRejected(StringBuilder html, IReadOnlyList<RejectedImage> rejected)
    {
        if (rejected.Count == 0)
        {
            return;
        }

        html.Append("<div class=\"warning severe\"><b>").Append(I(rejected.Count))
            .Append(" images could not be scored</b> and are not in any number below:<ul>");
        foreach (RejectedImage image in rejected.Take(50))
        {
            html.Append("<li>").Append(E(image.Path)).Append(": ").Append(E(image.Code)).Append(" — ").Append(E(image.Reason)).Append("</li>");
        }

        html.Append("</ul></div>\n");
    }

    private static void AppendHeadline(StringBuilder html, EvaluationMetrics m)
    {
        int positive = m.ClassNames.ToList().IndexOf(m.OperatingPoint.PositiveClass);
        RocCurve? positiveRoc = positive >= 0 ? m.Roc.Curves.Classes[positive] : null;
        ConfidenceInterval? positiveAucCi = positive >= 0 ? m.Roc.AucIntervals.Classes[positive] : null;
        html.Append("<h2>Headline (95% confidence intervals)</h2><div class=\"headline\">");
        Tile(html, "Accuracy (argmax)", P(m.Accuracy));
        Tile(html, "AUC, " + m.OperatingPoint.PositiveClass, positiveRoc?.Auc is double auc ? F(auc) + Ci(positiveAucCi) : "undefined");
        Tile(html, "Sensitivity at threshold", P(m.OperatingPoint.Sensitivity));
        Tile(html, "Specificity at threshold", P(m.OperatingPoint.Specificity));
        Tile(html, "Cross-entropy", F(m.Loss.CategoricalCrossEntropy));
        Tile(html, "MSE", F(m.Loss.MeanSquaredError));
        html.Append("</div>\n<p>At the operating threshold: ").Append(I(m.OperatingPoint.TruePositives)).Append(" true positives, ")
            .Append(I(m.OperatingPoint.FalseNegatives)).Append(" missed (false negatives), ").Append(I(m.OperatingPoint.FalsePositives))
            .Append(" false positives, ").Append(I(m.OperatingPoint.TrueNegatives)).Append(" true negatives.</p>\n");
    }

    private static void AppendClassificationReport(StringBuilder html, ClassificationReport r)
    {
        html.Append("<h2>Classification report</h2><table><thead><tr><th></th><th>precision</th><th>recall (sensitivity)</th>")
            .Append("<th>f1-score</th><th>support</th><th>specificity</th></tr></thead><tbody>");
        foreach (ClassMetrics c in r.Classes)
        {
            html.Append("<tr><td>").Append(E(c.ClassName)).Append("</td><td>").Append(P(c.Precision)).Append("</td><td>")
                .Append(P(c.Recall)).Append("</td><td>").Append(F(c.F1)).Append("</td><td>").Append(I(c.Support)).Append("</td><td>")
                .Append(P(c.Specificity)).Append("</td></tr>");
        }

        html.Append("<tr><td>accuracy</td><td></td><td></td><td>").Append(P(r.Accuracy)).Append("</td><td>")
            .Append(I(r.Accuracy.Trials)).Append("</td><td></td></tr>");
        foreach ((string name, AveragedMetrics a) in new[] { ("macro avg", r.MacroAverage), ("weighted avg", r.WeightedAverage) })
        {
            html.Append("<tr><td>").Append(name).Append("</td><td>").Append(F(a.Precision)).Append("</td><td>").Append(F(a.Recall))
                .Append("</td><td>").Append(F(a.F1)).Append("</td><td>").Append(I(a.Support)).Append("</td><td></td></tr>");
        }

        html.Append("</tbody></table>\n");
    }

    private static void AppendConfusionMatrix(StringBuilder html, ConfusionMatrix cm)
    {
        html.Append("<h2>Confusion matrix</h2><table><thead><tr><th>true \\ predicted</th>");
        foreach (string name in cm.ClassNames)
        {
            html.Append("<th>").Append(E(name)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        for (int r = 0; r < cm.ClassNames.Count; r++)
        {
            html.Append("<tr><td>").Append(E(cm.ClassNames[r])).Append("</td>");
            foreach (int count in cm.Counts[r])
            {
                html.Append("<td>").Append(I(count)).Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table>\n");
    }

    private static void AppendRoc(StringBuilder html, RocMetrics roc)
    {
        html.Append("<h2>ROC AUC</h2><table><thead><tr><th>curve</th><th>AUC</th><th>95% CI (").Append(E(roc.IntervalMethod))
            .Append(")</th><th>positives</th><th>negatives</th></tr></thead><tbody>");
        for (int c = 0; c < roc.Curves.Classes.Count; c++)
        {
            RocRow(html, roc.Curves.Classes[c], roc.AucIntervals.Classes[c]);
        }

        RocRow(html, roc.Curves.MicroAverage, roc.AucIntervals.MicroAverage);
        RocRow(html, roc.Curves.MacroAverage, roc.AucIntervals.MacroAverage);
        html.Append("<tr><td>mean of per-class AUCs</td><td>")
            .Append(roc.Curves.MeanPerClassAuc is double mean ? F(mean) : "undefined").Append("</td><td></td><td></td><td></td></tr>")
            .Append("</tbody></table>\n");
    }

    private static void RocRow(StringBuilder html, RocCurve curve, ConfidenceInterval? ci)
    {
        html.Append("<tr><td>").Append(E(curve.Name)).Append("</td><td>")
            .Append(curve.Auc is double auc ? F(auc) : "undefined: " + E(curve.UnavailableReason ?? string.Empty)).Append("</td><td>")
            .Append(ci is null ? string.Empty : "[" + F(ci.Lower) + ", " + F(ci.Upper) + "]").Append("</td><td>")
            .Append(I(curve.Positives)).Append("</td><td>").Append(I(curve.Negatives)).Append("</td></tr>");
    }

    private static void AppendHistory(StringBuilder html, IReadOnlyList<EpochMetrics> history)
    {
        html.Append("<h2>Training history (Fig. 4 as a table)</h2>\n");
        if (history.Count == 0)
        {
            html.Append("<p>No training history was given (e.g. <code>covid evaluate</code> on an existing model): Figs. 4–6 are omitted.</p>\n");
            return;
        }

        html.Append("<table><thead><tr><th>epoch</th><th>loss</th><th>accuracy</th><th>mse</th><th>val_loss</th><th>val_accuracy</th>")
            .Append("<th>val_mse</th><th>seconds</th></tr></thead><tbody>");
        foreach (EpochMetrics e in history)
        {
            html.Append("<tr><td>").Append(I(e.Epoch)).Append("</td><td>").Append(F(e.TrainLoss)).Append("</td><td>").Append(F(e.TrainAccuracy))
                .Append("</td><td>").Append(F(e.TrainMse)).Append("</td><td>").Append(F(e.ValidationLoss)).Append("</td><td>")
                .Append(F(e.ValidationAccuracy)).Append("</td><td>").Append(F(e.ValidationMse)).Append("</td><td>").Append(F(e.Seconds, "0.0"))
                .Append("</td></tr>");
        }

        html.Append("</tbody></table>\n");
    }

    private static void AppendMethods(StringBuilder html, EvaluationMetrics m)
    {
        html.Append("<h2>Methods</h2><ul>")
            .Append("<li>Classification report, confusion matrix and accuracy use the argmax of the probabilities (as the paper); ")
            .Append("sensitivity and specificity at the operating threshold use the served rule (positive when p ≥ threshold).</li>")
            .Append("<li>Proportions carry 95% Wilson score intervals; an undefined ratio (no predictions of a class) counts as 0, as sklearn.</li>")
            .Append("<li>AUC intervals: ").Append(E(m.Roc.IntervalMethod)).Append(", ").Append(I(m.Roc.AucIntervals.Replicates))
            .Append(" replicates, seed ").Append(I(m.Roc.AucIntervals.Seed)).Append(", resampling within each true class.</li>")
            .Append("<li>ROC curves have one point per distinct score (ties form one diagonal step); AUC by the trapezoidal rule. ")
            .Append("Micro-average: all (image, class) pairs as one binary problem. Macro-average: per-class TPRs interpolated on the ")
            .Append("union of their FPRs and averaged, as in scikit-learn's ROC example.</li>")
            .Append("<li>Cross-entropy and MSE as Keras computes them (probabilities clipped to [1e-7, 1 − 1e-7]; MSE against one-hot labels).</li>")
            .Append("<li>Near-duplicates: pairs whose 256-bit dHash (17×16 grey thumbnail) differs in at most ")
            .Append(I(m.DatasetAudit?.NearDuplicateBounds.MaxHashDistance ?? 0)).Append(" bits, as is or with either image cut to one of ")
            .Append(I(CropWindows.All.Count)).Append(" crop windows (1–10%), are confirmed by mean SSIM (7×7 windows) of 64×64 grey ")
            .Append("thumbnails at the closest alignments ≥ ").Append(F(m.DatasetAudit?.NearDuplicateBounds.MinSsim ?? 0, "0.###"))
            .Append(".</li></ul>\n<p><small>Every number is also in <code>metrics.json</code>.</small></p>\n");
    }
}
