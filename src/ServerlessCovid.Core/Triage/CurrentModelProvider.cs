using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// Keeps the classifier on the model <c>current.json</c> points at. Checked on demand, at most once per
/// <see cref="TriageOptions.ModelRefreshSeconds"/>: one small blob read, compared by ETag, and the package is
/// downloaded and activated (hot swap, in-flight calls finish on the old session) only when the ETag changed.
/// If a new package cannot be loaded, the running model keeps serving and the next check tries again.
/// </summary>
public sealed partial class CurrentModelProvider : IDisposable
{
    private readonly IModelRegistry _registry;
    private readonly IXrayClassifier _classifier;
    private readonly TimeProvider _time;
    private readonly ILogger<CurrentModelProvider> _logger;
    private readonly TimeSpan _interval;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private string? _activeETag;
    private string? _failedETag;
    private int _failures;
    private DateTimeOffset _retryFailedAt;
    private Exception? _failure;
    private long _nextCheckTicks; // UTC ticks, read and written atomically

    public CurrentModelProvider(
        IModelRegistry registry,
        IXrayClassifier classifier,
        IOptions<TriageOptions> options,
        TimeProvider time,
        ILogger<CurrentModelProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _registry = registry;
        _classifier = classifier;
        _time = time;
        _logger = logger;
        _interval = TimeSpan.FromSeconds(options.Value.ModelRefreshSeconds);
    }

    /// <summary>The manifest being served, refreshed first when the check interval has passed.</summary>
    /// <exception cref="ModelUnavailableException">No model is published, or the current one cannot be loaded and no
    /// earlier one is active (the inner exception says why).</exception>
    public async Task<ModelManifest> GetActiveAsync(CancellationToken cancellationToken = default)
    {
        if (_time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _nextCheckTicks) || _classifier.CurrentModel is null)
        {
            await RefreshAsync(force: false, cancellationToken).ConfigureAwait(false);
        }

        return _classifier.CurrentModel ?? throw new ModelUnavailableException(
            "No model has been published yet: publish one (covid models publish DIR --storage CONN, or POST /api/retraining) and retry.");
    }

    /// <summary>
    /// Reads <c>current.json</c> and activates its version when it changed. Returns true when a new model was
    /// activated. With <paramref name="force"/> false, a caller that finds another refresh running does not wait
    /// for it while a model is being served.
    /// </summary>
    public async Task<bool> RefreshAsync(bool force = true, CancellationToken cancellationToken = default)
    {
        bool waitForOthers = force || _classifier.CurrentModel is null;
        if (!await _refresh.WaitAsync(waitForOthers ? Timeout.InfiniteTimeSpan : TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            if (!force && _time.GetUtcNow().UtcTicks < Interlocked.Read(ref _nextCheckTicks) && _classifier.CurrentModel is not null)
            {
                return false;
            }

            return await RefreshCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    /// <summary>How many times in a row the current <c>current.json</c> (by ETag) failed to load; 0 once one loads.</summary>
    public int FailedLoadAttempts => _failures;

    private void ScheduleNextCheck() => Interlocked.Exchange(ref _nextCheckTicks, (_time.GetUtcNow() + _interval).UtcTicks);

    private async Task<bool> RefreshCoreAsync(CancellationToken cancellationToken)
    {
        string version = "current.json";
        CurrentModelPointer? pointer = null;
        bool remembered = false;
        try
        {
            pointer = await _registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
            if (pointer is null || pointer.ETag == _activeETag)
            {
                ScheduleNextCheck();
                return false;
            }

            version = pointer.Version;
            if (pointer.ETag == _failedETag && _time.GetUtcNow() < _retryFailedAt)
            {
                // This exact current.json already failed to load: do not download it again until the back-off ends.
                ScheduleNextCheck();
                if (_classifier.CurrentModel is not null)
                {
                    return false;
                }

                throw new ModelUnavailableException(
                    $"The current model ({version}) failed to load and is not retried before {_retryFailedAt:u}: {_failure?.Message}",
                    _failure!);
            }

            ModelPackage package = await _registry.LoadPackageAsync(pointer.Version, cancellationToken).ConfigureAwait(false);
            EnsurePointerMatches(pointer, package);
            string? previous = _classifier.CurrentModel?.Version;
            try
            {
                _classifier.Activate(package);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                remembered = true;
                RememberFailure(pointer, ex);
                throw;
            }

            _activeETag = pointer.ETag;
            _failedETag = null;
            _failures = 0;
            ScheduleNextCheck();
            LogActivated(_logger, pointer.Version, previous, pointer.Reason);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ModelUnavailableException && pointer is not null
            && !remembered && RememberFailure(pointer, ex))
        {
            throw; // unreachable: RememberFailure returns false, so the handlers below run
        }
        catch (ModelUnavailableException) when (_classifier.CurrentModel is null)
        {
            throw;
        }
        catch (Exception ex) when (_classifier.CurrentModel is not null && ex is not OperationCanceledException)
        {
            // Keep serving the model we have: a broken publish or a storage blip must not take triage down.
            ScheduleNextCheck();
            LogActivationFailed(_logger, ex, version, _classifier.CurrentModel.Version);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing to fall back on: callers see one exception type (HTTP 503, blob trigger retry) with the cause.
            throw new ModelUnavailableException($"The current model ({version}) could not be loaded: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Remembers that <paramref name="pointer"/>'s ETag could not be loaded: it is not downloaded again for
    /// <c>ModelRefreshSeconds × 2^(failures − 1)</c>, at most an hour; a new current.json (new ETag) is tried at once.
    /// Returns false so it can sit in an exception filter.
    /// </summary>
    private bool RememberFailure(CurrentModelPointer pointer, Exception ex)
    {
        _failures = pointer.ETag == _failedETag ? _failures + 1 : 1;
        _failedETag = pointer.ETag;
        _failure = ex;
        double seconds = Math.Min(_interval.TotalSeconds * Math.Pow(2, Math.Min(_failures - 1, 16)), 3600);
        _retryFailedAt = _time.GetUtcNow().AddSeconds(seconds);
        return false;
    }

    /// <summary>
    /// The package already matches its own manifest; this ties it to <c>current.json</c> too, so a folder overwritten
    /// after the switch (same version name, other graph) is refused instead of served under the published checksum.
    /// </summary>
    private void EnsurePointerMatches(CurrentModelPointer pointer, ModelPackage package)
    {
        if (string.Equals(pointer.OnnxSha256, package.Manifest.OnnxSha256, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        LogPointerMismatch(_logger, pointer.Version, pointer.OnnxSha256, package.Manifest.OnnxSha256);
        throw new InvalidModelPackageException(
            $"current.json names model {pointer.Version} with ONNX SHA-256 {pointer.OnnxSha256}, but the published package "
            + $"has {package.Manifest.OnnxSha256}: refusing to serve a model other than the one that was switched to.");
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Refusing model {Version}: current.json says ONNX SHA-256 {Expected}, the package has {Actual}")]
    private static partial void LogPointerMismatch(ILogger logger, string version, string expected, string actual);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} activated (was {Previous}; reason: {Reason})")]
    private static partial void LogActivated(ILogger logger, string version, string? previous, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Version} could not be checked or activated; still serving {Active}")]
    private static partial void LogActivationFailed(ILogger logger, Exception exception, string version, string active);
}
