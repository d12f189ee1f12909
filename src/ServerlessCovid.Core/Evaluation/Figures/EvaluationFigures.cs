using System.Globalization;
using ScottPlot;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;
using SkiaSharp;

namespace ServerlessCovid.Core.Evaluation.Figures;

/// <summary>The paper's Figs. 4–10 as PNGs (ScottPlot, rendered off-screen by SkiaSharp; no display needed).</summary>
public static partial class EvaluationFigures
{
    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    private static readonly string[] PreferredSansFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];

    // SkiaSharp's dependency-free Linux natives scan /usr/share/fonts themselves (no fontconfig), and ScottPlot's
    // "sans" then resolves to whichever family comes first, often a serif: ask for a sans family by name.
    private static readonly string? SansFamily = FindSansFamily();

    /// <summary>Null when figure text can render; otherwise why not and how to fix it (shown in the report).</summary>
    public static string? FontProblem { get; } = SKFontManager.Default.FontFamilyCount == 0
        ? "No fonts were found (SkiaSharp reads /usr/share/fonts): figure titles, labels and counts are missing. "
            + "Install a font package such as fonts-dejavu-core."
        : null;

    /// <summary>
    /// All figures the metrics allow: Figs. 4–6 need a training history, Figs. 9–10 a defined ROC, the score
    /// histogram the <paramref name="scores"/> themselves.
    /// </summary>
    public static IReadOnlyList<ReportFigure> RenderAll(EvaluationMetrics metrics, int width, int height, ScoredSet? scores = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        List<ReportFigure> figures = [];
        if (metrics.History.Count > 0)
        {
            figures.Add(new("fig04-metrics-per-epoch.png", "Fig. 4 — Metrics per epoch",
                "Loss, accuracy and MSE on the training and validation data after each epoch.", MetricsPerEpoch(metrics.History, width, height)));
            figures.Add(new("fig05-loss.png", "Fig. 5 — Training vs validation loss",
                "Categorical cross-entropy per epoch.", Loss(metrics.History, width, height)));
            figures.Add(new("fig06-accuracy.png", "Fig. 6 — Training vs validation accuracy",
                "Accuracy per epoch.", Accuracy(metrics.History, width, height)));
        }

        figures.Add(new("fig07-confusion-matrix.png", "Fig. 7 — Confusion matrix",
            "Rows: true class; columns: predicted class (argmax); cells: image counts.", ConfusionMatrixHeatmap(metrics.ConfusionMatrix, width, height)));
        figures.Add(new("fig08-classification-report.png", "Fig. 8 — Precision, recall and F1",
            "Per class, then the macro and support-weighted averages.", ClassificationBars(metrics.ClassificationReport, width, height)));
        if (metrics.Roc.Curves.Classes.Any(curve => curve.Auc is not null))
        {
            double zoom = ZoomWidth(metrics.Roc.Curves);
            figures.Add(new("fig09-roc.png", "Fig. 9 — ROC curves",
                "One-vs-rest ROC per class with its AUC, plus the micro- and macro-average curves; the ring marks the served "
                + "operating point on the " + metrics.OperatingPoint.PositiveClass + " curve.",
                Roc(metrics.Roc.Curves, false, width, height, metrics.OperatingPoint)));
            figures.Add(new("fig10-roc-zoom.png", "Fig. 10 — ROC curves, upper-left corner", ZoomCaption(zoom),
                Roc(metrics.Roc.Curves, true, width, height, metrics.OperatingPoint)));
        }

        if (scores is not null)
        {
            figures.Add(new("score-histogram.png", "Scores per true class, with the operating threshold",
                "How often each true class received each probability of " + metrics.OperatingPoint.PositiveClass
                + "; the dashed line is the served threshold. Bars right of it are labelled " + metrics.OperatingPoint.PositiveClass + ".",
                ScoreHistogram(scores, metrics.OperatingPoint, width, height)));
        }

        return figures;
    }

    public static byte[] MetricsPerEpoch(IReadOnlyList<EpochMetrics> history, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(history);
        Plot plot = NewEpochPlot("Metrics per epoch", "Value", history);
        double[] epochs = [.. history.Select(h => (double)h.Epoch)];
        AddSeries(plot, epochs, [.. history.Select(h => h.TrainLoss)], "training loss", 0, false);
        AddSeries(plot, epochs, [.. history.Select(h => h.ValidationLoss)], "validation loss", 0, true);
        AddSeries(plot, epochs, [.. history.Select(h => h.TrainAccuracy)], "training accuracy", 1, false);
        AddSeries(plot, epochs, [.. history.Select(h => h.ValidationAccuracy)], "validation accuracy", 1, true);
        AddSeries(plot, epochs, [.. history.Select(h => h.TrainMse)], "training MSE", 2, false);
        AddSeries(plot, epochs, [.. history.Select(h => h.ValidationMse)], "validation MSE", 2, true);
        plot.ShowLegend(Edge.Right);
        return Png(plot, width, height);
    }

    public static byte[] Loss(IReadOnlyList<EpochMetrics> history, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(history);
        Plot plot = NewEpochPlot("Training vs validation loss", "Categorical cross-entropy", history);
        double[] epochs = [.. history.Select(h => (double)h.Epoch)];
        AddSeries(plot, epochs, [.. history.Select(h => h.TrainLoss)], "training", 0, false);
        AddSeries(plot, epochs, [.. history.Select(h => h.ValidationLoss)], "validation", 1, false);
        plot.ShowLegend(Alignment.UpperRight);
        return Png(plot, width, height);
    }

    public static byte[] Accuracy(IReadOnlyList<EpochMetrics> history, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(history);
        Plot plot = NewEpochPlot("Training vs validation accuracy", "Accuracy", history);
        double[] epochs = [.. history.Select(h => (double)h.Epoch)];
        AddSeries(plot, epochs, [.. history.Select(h => h.TrainAccuracy)], "training", 0, false);
        AddSeries(plot, epochs, [.. history.Select(h => h.ValidationAccuracy)], "validation", 1, false);
        plot.Axes.SetLimitsY(0, 1.05);
        plot.ShowLegend(Alignment.LowerRight);
        return Png(plot, width, height);
    }

    public static byte[] ConfusionMatrixHeatmap(ConfusionMatrix matrix, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.ClassNames.Count;
        Plot plot = NewPlot("Confusion matrix", "Predicted class", "True class");
        double[,] cells = new double[n, n];
        int max = 0;
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                cells[r, c] = matrix.Counts[r][c];
                max = Math.Max(max, matrix.Counts[r][c]);
            }
        }

        // Row 0 of the data is drawn at the top, as in sklearn's ConfusionMatrixDisplay.
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues().Reversed();
        heatmap.ManualRange = new ScottPlot.Range(0, Math.Max(1, max));
        heatmap.Extent = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Add.ColorBar(heatmap);
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                int count = matrix.Counts[r][c];
                var label = plot.Add.Text(count.ToString(CultureInfo.InvariantCulture), c, n - 1 - r);
                label.LabelFontSize = 28;
                label.LabelBold = true;
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontColor = count > max / 2.0 ? Colors.White : Colors.Black;
            }
        }

        double[] positions = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, [.. matrix.ClassNames]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            positions, [.. Enumerable.Range(0, n).Select(i => matrix.ClassNames[n - 1 - i])]);
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        return Png(plot, width, height);
    }

    public static byte[] ClassificationBars(ClassificationReport report, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(report);
        Plot plot = NewPlot("Precision, recall and F1", string.Empty, "Score");
        List<(string Name, double Precision, double Recall, double F1)> groups =
        [
            .. report.Classes.Select(c => (c.ClassName, c.Precision.Value, c.Recall.Value, c.F1)),
            ("macro avg", report.MacroAverage.Precision, report.MacroAverage.Recall, report.MacroAverage.F1),
            ("weighted avg", report.WeightedAverage.Precision, report.WeightedAverage.Recall, report.WeightedAverage.F1),
        ];
        string[] metricNames = ["precision", "recall", "F1"];
        List<Bar> bars = [];
        for (int g = 0; g < groups.Count; g++)
        {
            double[] values = [groups[g].Precision, groups[g].Recall, groups[g].F1];
            for (int m = 0; m < values.Length; m++)
            {
                bars.Add(new Bar
                {
                    Position = (g * 4) + m,
                    Value = values[m],
                    FillColor = Palette.GetColor(m),
                    Label = values[m].ToString("0.00", CultureInfo.InvariantCulture),
                });
            }
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 12;
        for (int m = 0; m < metricNames.Length; m++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = metricNames[m], FillColor = Palette.GetColor(m) });
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, groups.Count).Select(g => (g * 4) + 1.0)], [.. groups.Select(g => g.Name)]);
        plot.Axes.SetLimits(-1, (groups.Count * 4) - 1, 0, 1.15);
        plot.ShowLegend(Alignment.UpperRight, Orientation.Horizontal);
        return Png(plot, width, height);
    }

    private static Plot NewEpochPlot(string title, string yLabel, IReadOnlyList<EpochMetrics> history)
    {
        Plot plot = NewPlot(title, "Epoch", yLabel);
        if (history.Count <= 30)
        {
            // Whole epochs only: a tick at epoch 1.4 means nothing.
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                [.. history.Select(h => (double)h.Epoch)], [.. history.Select(h => h.Epoch.ToString(CultureInfo.InvariantCulture))]);
        }

        return plot;
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        Plot plot = new();
        if (SansFamily is not null)
        {
            plot.Font.Set(SansFamily);
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static void AddSeries(Plot plot, double[] xs, double[] ys, string label, int colour, bool dashed)
    {
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.LegendText = label;
        scatter.Color = Palette.GetColor(colour);
        scatter.LineWidth = 2;
        scatter.MarkerSize = 6;
        scatter.LinePattern = dashed ? LinePattern.Dashed : LinePattern.Solid;
    }

    private static string? FindSansFamily()
    {
        string[] installed = SKFontManager.Default.GetFontFamilies();
        return PreferredSansFamilies.FirstOrDefault(family => installed.Contains(family, StringComparer.OrdinalIgnoreCase));
    }

    private static byte[] Png(Plot plot, int width, int height) => plot.GetImageBytes(width, height, ImageFormat.Png);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
