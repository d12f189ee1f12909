using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>One unit of long work (an epoch loop, a dataset build, a batch): report steps, the ETA follows.</summary>
public interface IProgressTask
{
    void SetTotal(double total);

    /// <summary>Sets the completed amount (e.g. epochs done) and optionally a short status ("loss 0.41").</summary>
    void Report(double completed, string? status = null);

    void Increment(double amount = 1, string? status = null);
}

/// <summary>
/// Progress with an ETA on stderr. On a terminal it is a Spectre.Console live bar (elapsed, percent, remaining);
/// elsewhere (CI logs, pipes, tests) it prints a line per step, at most every <see cref="PlainInterval"/>, with the
/// same percent and ETA, so long work never looks hung and logs stay readable.
/// </summary>
public static class CliProgress
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="work"/> with one progress task labelled <paramref name="description"/>.</summary>
    public static async Task<T> RunAsync<T>(CliContext context, string description, double total, Func<IProgressTask, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(work);
        if (context.ErrorConsole.Profile.Capabilities.Interactive)
        {
            return await context.ErrorConsole.Progress()
                .AutoClear(false)
                .Columns(
                    new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    ProgressTask task = progress.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
                    T result = await work(new SpectreTask(task, description)).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                    return result;
                }).ConfigureAwait(false);
        }

        PlainTask plain = new(context.Error, description, total);
        T value = await work(plain).ConfigureAwait(false);
        plain.Finish();
        return value;
    }

    public static async Task RunAsync(CliContext context, string description, double total, Func<IProgressTask, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await RunAsync(context, description, total, async task =>
        {
            await work(task).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>"01:05" or "1:02:03" for stage timings and ETAs.</summary>
    public static string FormatDuration(TimeSpan duration) =>
        duration.TotalHours >= 1
            ? duration.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : duration.ToString(@"mm\:ss\.f", CultureInfo.InvariantCulture);

    private sealed class SpectreTask(ProgressTask task, string description) : IProgressTask
    {
        public void SetTotal(double total) => task.MaxValue = Math.Max(total, 1);

        public void Report(double completed, string? status = null)
        {
            task.Value = completed;
            Describe(status);
        }

        public void Increment(double amount = 1, string? status = null)
        {
            task.Increment(amount);
            Describe(status);
        }

        private void Describe(string? status)
        {
            if (status is not null)
            {
                task.Description = Markup.Escape($"{description} ({status})");
            }
        }
    }

    private sealed class PlainTask(TextWriter writer, string description, double total) : IProgressTask
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _gate = new();
        private double _total = Math.Max(total, 1);
        private double _completed;
        private TimeSpan? _lastPrinted;

        public void SetTotal(double total)
        {
            lock (_gate)
            {
                _total = Math.Max(total, 1);
            }
        }

        public void Report(double completed, string? status = null)
        {
            lock (_gate)
            {
                _completed = completed;
                Print(status);
            }
        }

        public void Increment(double amount = 1, string? status = null)
        {
            lock (_gate)
            {
                _completed += amount;
                Print(status);
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{description}: done in {FormatDuration(_clock.Elapsed)}"));
            }
        }

        private void Print(string? status)
        {
            TimeSpan elapsed = _clock.Elapsed;
            bool last = _completed >= _total;
            if (!last && _lastPrinted is { } previous && elapsed - previous < PlainInterval)
            {
                return;
            }

            _lastPrinted = elapsed;
            double fraction = Math.Clamp(_completed / _total, 0, 1);
            string eta = fraction > 0
                ? FormatDuration(TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction) / fraction))
                : "--:--";
            string suffix = status is null ? string.Empty : $" {status}";
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{description}: {_completed:0.##}/{_total:0.##} ({fraction * 100:0}%) elapsed {FormatDuration(elapsed)} ETA {eta}{suffix}"));
        }
    }
}
