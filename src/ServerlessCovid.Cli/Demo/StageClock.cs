using System.Diagnostics;

namespace ServerlessCovid.Cli.Demo;

/// <summary>One timed stage of the demo.</summary>
public sealed record StageTiming(string Stage, double Seconds, string? Detail);

/// <summary>Times each stage of a run, so the demo can say where the minutes went.</summary>
public sealed class StageClock
{
    private readonly List<StageTiming> _stages = [];
    private readonly Stopwatch _total = Stopwatch.StartNew();

    public IReadOnlyList<StageTiming> Stages => _stages;

    public TimeSpan Total => _total.Elapsed;

    public async Task<T> TimeAsync<T>(string stage, Func<Task<T>> work, Func<T, string?>? detail = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        Stopwatch watch = Stopwatch.StartNew();
        T result = await work().ConfigureAwait(false);
        _stages.Add(new StageTiming(stage, watch.Elapsed.TotalSeconds, detail?.Invoke(result)));
        return result;
    }

    public async Task TimeAsync(string stage, Func<Task> work, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        Stopwatch watch = Stopwatch.StartNew();
        await work().ConfigureAwait(false);
        _stages.Add(new StageTiming(stage, watch.Elapsed.TotalSeconds, detail));
    }
}
