using ScottPlot;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Evaluation.Figures;

/// <summary>The score histogram: where each true class's positive-class probabilities fall against the threshold.</summary>
public static partial class EvaluationFigures
{
    public const int HistogramBins = 20;

    /// <summary>
    /// Counts[true class][bin] of the positive class's probability, in <paramref name="bins"/> equal bins over [0, 1];
    /// a probability of exactly 1 goes into the last bin.
    /// </summary>
    public static int[][] ScoreBins(ScoredSet scores, string positiveClass, int bins = HistogramBins)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        int positive = scores.IndexOfClass(positiveClass);
        int[][] counts = [.. Enumerable.Range(0, scores.ClassCount).Select(_ => new int[bins])];
        for (int i = 0; i < scores.Count; i++)
        {
            int bin = Math.Clamp((int)(scores.Probability(i, positive) * bins), 0, bins - 1);
            counts[scores.Labels[i]][bin]++;
        }

        return counts;
    }

    public static byte[] ScoreHistogram(ScoredSet scores, OperatingPoint operatingPoint, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(operatingPoint);
        int[][] counts = ScoreBins(scores, operatingPoint.PositiveClass);
        Plot plot = NewPlot("Scores per true class", Invariant($"P({operatingPoint.PositiveClass})"), "Images");
        double binWidth = 1.0 / HistogramBins;
        List<Bar> bars = [];
        for (int c = 0; c < counts.Length; c++)
        {
            // Translucent bars overlap where classes share a bin, which is exactly where the threshold cannot separate them.
            Color colour = Palette.GetColor(c + 2).WithAlpha(0.55);
            for (int b = 0; b < HistogramBins; b++)
            {
                bars.Add(new Bar { Position = (b + 0.5) * binWidth, Value = counts[c][b], Size = binWidth, FillColor = colour, LineWidth = 0 });
            }

            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "true " + scores.ClassNames[c], FillColor = colour });
        }

        plot.Add.Bars(bars);
        var threshold = plot.Add.VerticalLine(operatingPoint.Threshold, 2, Colors.Black, LinePattern.Dashed);
        plot.Legend.ManualItems.Add(new LegendItem
        {
            LabelText = Invariant($"threshold {operatingPoint.Threshold:0.###}"),
            LineColor = threshold.Color,
            LineWidth = 2,
            LinePattern = LinePattern.Dashed,
        });
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.SetLimitsX(0, 1);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperCenter);
        return Png(plot, width, height);
    }
}
