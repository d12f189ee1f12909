using System.Globalization;
using ScottPlot;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Evaluation.Figures;

/// <summary>Figs. 9 and 10, with the served operating point marked.</summary>
public static partial class EvaluationFigures
{
    /// <summary>The paper's Fig. 10 window: false-positive rates 0–0.2, true-positive rates 0.8–1.</summary>
    public const double PaperZoomWidth = 0.2;

    private static readonly double[] ZoomWidths = [PaperZoomWidth, 0.4, 0.6, 0.8, 1.0];

    /// <summary>
    /// The width w of the corner Fig. 10 shows (FPR 0–w, TPR 1−w–1): the paper's 0.2 when some per-class curve runs
    /// through that corner, otherwise the smallest wider corner one does. A fixed 0.2 drew an empty plot for any model
    /// whose curves stay below TPR 0.8 at FPR 0.2, such as a model at chance. A curve counts when it is inside the
    /// corner by half its width, so one that only grazes the edge does not.
    /// </summary>
    public static double ZoomWidth(RocAnalysis roc)
    {
        ArgumentNullException.ThrowIfNull(roc);
        List<RocCurve> defined = [.. roc.Classes.Where(curve => curve.Auc is not null)];
        return ZoomWidths.FirstOrDefault(w => defined.Any(curve => curve.InterpolateTpr(w / 2) >= 1 - w), 1.0);
    }

    public static byte[] Roc(RocAnalysis roc, bool zoomUpperLeft, int width, int height, OperatingPoint? operatingPoint = null)
    {
        ArgumentNullException.ThrowIfNull(roc);
        Plot plot = NewPlot(zoomUpperLeft ? "ROC (zoomed upper-left corner)" : "ROC curves", "False positive rate", "True positive rate");
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = LinePattern.Dotted;
        chance.Color = Colors.Gray;
        for (int c = 0; c < roc.Classes.Count; c++)
        {
            RocCurve curve = roc.Classes[c];
            if (curve.Auc is double auc)
            {
                AddCurve(plot, curve, Invariant($"{curve.Name} (AUC = {auc:0.000})"), Palette.GetColor(c + 2), LinePattern.Solid);
            }
        }

        if (roc.MicroAverage.Auc is double micro)
        {
            AddCurve(plot, roc.MicroAverage, Invariant($"micro-average (AUC = {micro:0.000})"), Colors.DeepPink, LinePattern.Dashed);
        }

        if (roc.MacroAverage.Auc is double macro)
        {
            AddCurve(plot, roc.MacroAverage, Invariant($"macro-average (AUC = {macro:0.000})"), Colors.Navy, LinePattern.Dashed);
        }

        if (operatingPoint is not null)
        {
            var marker = plot.Add.Marker(1 - operatingPoint.Specificity.Value, operatingPoint.Sensitivity.Value, MarkerShape.OpenCircle, 18, Colors.Black);
            marker.LegendText = Invariant(
                $"operating point, p ≥ {operatingPoint.Threshold:0.###} (sens {operatingPoint.Sensitivity.Value:0.000}, spec {operatingPoint.Specificity.Value:0.000})");
        }

        if (zoomUpperLeft)
        {
            // Outside the data area: in the zoomed corner the curves fill the lower right too.
            double w = ZoomWidth(roc);
            plot.Axes.SetLimits(0, w, 1 - w, 1.0);
            plot.ShowLegend(Edge.Bottom);
        }
        else
        {
            plot.Axes.SetLimits(-0.01, 1.01, -0.01, 1.01);
            plot.ShowLegend(Alignment.LowerRight);
        }

        return Png(plot, width, height);
    }

    private static string ZoomCaption(double width) => width == PaperZoomWidth
        ? "The same curves for false-positive rates 0–0.2 and true-positive rates 0.8–1."
        : string.Create(CultureInfo.InvariantCulture,
            $"The same curves for false-positive rates 0–{width:0.#} and true-positive rates {1 - width:0.#}–1: no curve enters the paper's corner (0–0.2, 0.8–1), so it is widened to show them.");

    private static void AddCurve(Plot plot, RocCurve curve, string label, Color colour, LinePattern pattern)
    {
        var scatter = plot.Add.Scatter(curve.FalsePositiveRates.ToArray(), curve.TruePositiveRates.ToArray());
        scatter.LegendText = label;
        scatter.Color = colour;
        scatter.LineWidth = 2;
        scatter.MarkerSize = 0;
        scatter.LinePattern = pattern;
    }
}
