using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using ServerlessCovid.Core.Observability;

namespace ServerlessCovid.Cli.Demo;

/// <summary>One instrument and attribute set: counters summed, histograms counted and summed, gauges' last value.</summary>
public sealed record MetricTotal(string Instrument, string Attributes, string Kind, long Count, double Value);

/// <summary>
/// Listens to the <see cref="TelemetryNames.Meter"/> instruments of every service provider in the process (the demo's
/// triage services and its in-process retraining host each have their own), so the demo prints what an OpenTelemetry
/// exporter would have received from the same run.
/// </summary>
public sealed class DemoMetricTotals : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Attributes), Accumulator> _totals = new();

    public DemoMetricTotals()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TelemetryNames.Meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The totals so far, gauges observed now; ordered by instrument and attributes.</summary>
    public IReadOnlyList<MetricTotal> Snapshot()
    {
        _listener.RecordObservableInstruments();
        return [.. _totals
            .OrderBy(pair => pair.Key.Instrument, StringComparer.Ordinal)
            .ThenBy(pair => pair.Key.Attributes, StringComparer.Ordinal)
            .Select(pair => new MetricTotal(pair.Key.Instrument, pair.Key.Attributes, pair.Value.Kind, pair.Value.Count, pair.Value.Value))];
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string attributes = string.Join(", ", tags.ToArray()
            .OrderBy(tag => tag.Key, StringComparer.Ordinal)
            .Select(tag => string.Create(CultureInfo.InvariantCulture, $"{tag.Key}={tag.Value}")));
        string kind = instrument switch
        {
            Histogram<double> or Histogram<int> => "histogram",
            ObservableGauge<int> or ObservableGauge<long> => "gauge",
            _ => "counter",
        };
        Accumulator accumulator = _totals.GetOrAdd((instrument.Name, attributes), _ => new Accumulator(kind));
        accumulator.Add(value);
    }

    private sealed class Accumulator(string kind)
    {
        private readonly Lock _gate = new();

        public string Kind { get; } = kind;

        public long Count { get; private set; }

        public double Value { get; private set; }

        public void Add(double value)
        {
            lock (_gate)
            {
                Count++;
                Value = Kind == "gauge" ? value : Value + value;
            }
        }
    }
}
