using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// Loads the current model at start-up (so the first x-ray does not pay for it) and re-checks
/// <c>current.json</c> every <see cref="TriageOptions.ModelRefreshSeconds"/>, so an idle instance is already on a
/// newly published model when traffic arrives. Scoring paths still check on demand; this only makes it earlier.
/// </summary>
public sealed partial class ModelRefreshService(
    CurrentModelProvider models, IOptions<TriageOptions> options, TimeProvider time, ILogger<ModelRefreshService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan interval = TimeSpan.FromSeconds(options.Value.ModelRefreshSeconds);
        using PeriodicTimer timer = new(interval, time);
        do
        {
            try
            {
                await models.RefreshAsync(force: true, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // No model yet, or storage unreachable: the next tick (or the next request) tries again.
                LogRefreshFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background model refresh failed; will retry")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
