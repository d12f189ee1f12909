using System.Globalization;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// Speed and ETA of a training run from its recent steps only (a sliding window), not from the start: the first steps
/// are slow (allocation, warm-up, a busy machine), and an average over them gave ETAs hours too long.
/// </summary>
public sealed class StepRateMeter(int window = 20)
{
    private readonly Queue<(TimeSpan At, int Images)> _steps = new();
    private TimeSpan? _previous;

    /// <summary>Images per second over the window; null until two steps are recorded.</summary>
    public double? ImagesPerSecond { get; private set; }

    /// <summary>Seconds per step over the window; null until two steps are recorded.</summary>
    public double? SecondsPerStep { get; private set; }

    /// <summary>Records that a step of <paramref name="images"/> images finished at <paramref name="at"/> (time since start).</summary>
    public void Record(TimeSpan at, int images)
    {
        if (_previous is null)
        {
            // The first step has no start time of its own; it only anchors the next one.
            _previous = at;
            return;
        }

        _steps.Enqueue((at - _previous.Value, images));
        _previous = at;
        while (_steps.Count > window)
        {
            _steps.Dequeue();
        }

        double seconds = _steps.Sum(s => s.At.TotalSeconds);
        SecondsPerStep = seconds / _steps.Count;
        ImagesPerSecond = seconds > 0 ? _steps.Sum(s => s.Images) / seconds : null;
    }

    /// <summary>Time left for <paramref name="remainingSteps"/> at the recent pace; null until the pace is known.</summary>
    public TimeSpan? Eta(int remainingSteps) =>
        SecondsPerStep is { } perStep ? TimeSpan.FromSeconds(perStep * Math.Max(remainingSteps, 0)) : null;

    /// <summary>"7.1 images/s, ETA 03:12.0" or "measuring speed".</summary>
    public string Describe(int remainingSteps) =>
        ImagesPerSecond is { } rate && Eta(remainingSteps) is { } eta
            ? string.Create(CultureInfo.InvariantCulture, $"{rate:0.0} images/s, ETA {CliProgress.FormatDuration(eta)}")
            : "measuring speed";
}
