using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ServerlessCovid.Core.Observability;

namespace ServerlessCovid.Cli.Commands;

/// <summary>Median, 95th percentile and maximum, in milliseconds.</summary>
internal sealed record LatencyPercentiles(double P50, double P95, double Max)
{
    public static LatencyPercentiles Of(IReadOnlyCollection<double> values)
    {
        double[] sorted = [.. values.Order()];
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencyPercentiles(At(0.5), At(0.95), sorted[^1]);
    }
}

/// <summary>One timed pass over the images: throughput, per-image latency (pipeline only), failures, ONNX Runtime runs.</summary>
internal sealed record RoundResult(double ImagesPerSecond, LatencyPercentiles? Latency, int Failed, long Runs);

/// <summary>One stage's spans over the measured pipeline rounds.</summary>
internal sealed record StageBreakdown(string Stage, int Spans, double MeanMs, double P50Ms, double P95Ms, double TotalSeconds);

internal sealed record PipelineBenchReport(
    string ModelVersion,
    string ExecutionProvider,
    int Images,
    int Concurrency,
    double BatchWindowMs,
    int MaxBatchSize,
    int PredictBatchSize,
    int LogicalCpus,
    RoundResult Predict,
    RoundResult Pipeline,
    IReadOnlyList<StageBreakdown> Stages,
    int Failed,
    string Disclaimer)
{
    public double Ratio => Pipeline.ImagesPerSecond / Predict.ImagesPerSecond;

    /// <summary>The round with the median throughput (the lower middle one for an even count).</summary>
    public static RoundResult Median(IReadOnlyList<RoundResult> rounds) =>
        rounds.OrderBy(r => r.ImagesPerSecond).ElementAt((rounds.Count - 1) / 2);

    public void Print(TextWriter output)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        string batching = BatchWindowMs > 0 ? string.Create(c, $"dynamic batching: window {BatchWindowMs:0.###} ms, up to {MaxBatchSize}") : "dynamic batching off";
        output.WriteLine(string.Create(c, $"Model {ModelVersion} on {ExecutionProvider}, {LogicalCpus} logical CPUs, {Images} images, {Concurrency} concurrent invocations, {batching}"));
        output.WriteLine(string.Create(c, $"  covid predict (batch {PredictBatchSize}):    {Predict.ImagesPerSecond,7:F2} images/s"));
        LatencyPercentiles l = Pipeline.Latency!;
        output.WriteLine(string.Create(c, $"  blob pipeline (function):   {Pipeline.ImagesPerSecond,7:F2} images/s, latency p50 {l.P50:F0} ms, p95 {l.P95:F0} ms, max {l.Max:F0} ms, {Pipeline.Runs} ONNX runs for {Images} images"));
        output.WriteLine(string.Create(c, $"  ratio pipeline / predict:   {Ratio,7:F3} (target >= 0.9)"));
        output.WriteLine("  per-stage spans (all measured rounds)    spans    mean ms   p50 ms   p95 ms   total s");
        foreach (StageBreakdown s in Stages)
        {
            output.WriteLine(string.Create(c, $"    {s.Stage,-34}{s.Spans,8} {s.MeanMs,10:F2} {s.P50Ms,8:F2} {s.P95Ms,8:F2} {s.TotalSeconds,9:F2}"));
        }

        if (Failed > 0)
        {
            output.WriteLine(string.Create(c, $"  {Failed} blobs did not end as scored rows: see the logs (--verbose)."));
        }

        output.WriteLine(Disclaimer);
    }
}

/// <summary>Collects the durations of <see cref="TriageActivities"/> spans while <see cref="Enabled"/>.</summary>
internal sealed class TriageSpanCollector : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _durations = new(StringComparer.Ordinal);
    private readonly ActivityListener _listener;

    public TriageSpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TriageActivities.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Enabled)
                {
                    _durations.GetOrAdd(activity.OperationName, _ => []).Add(activity.Duration.TotalMilliseconds);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private volatile bool _enabled;

    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    /// <summary>Stages in pipeline order, those never seen left out.</summary>
    public IReadOnlyList<StageBreakdown> Summarise()
    {
        string[] order =
        [
            TriageActivities.BlobTriage, TriageActivities.Download, TriageActivities.Hash, TriageActivities.TableRead,
            TriageActivities.Decode, TriageActivities.Preprocess, TriageActivities.QueueWait, TriageActivities.Run,
            TriageActivities.HeatMap, TriageActivities.HeatMapRender, TriageActivities.TableWrite,
        ];
        List<StageBreakdown> stages = [];
        foreach (string stage in order.Concat(_durations.Keys.Except(order).Order(StringComparer.Ordinal)))
        {
            if (_durations.TryGetValue(stage, out ConcurrentBag<double>? bag) && !bag.IsEmpty)
            {
                double[] values = [.. bag];
                LatencyPercentiles p = LatencyPercentiles.Of(values);
                stages.Add(new StageBreakdown(stage, values.Length, values.Average(), p.P50, p.P95, values.Sum() / 1000));
            }
        }

        return stages;
    }

    public void Dispose() => _listener.Dispose();
}
