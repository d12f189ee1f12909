using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// The safety net under the blob trigger: lists the x-ray container and sends every blob without a result row, or
/// with a <see cref="TriageStatus.Pending"/> one, through <see cref="TriageService.TriageBlobAsync"/>, the trigger's
/// own path. Polling blob triggers can miss blobs, and blobs that arrive before the first model wait as pending rows;
/// this is what scores them. Idempotent with the trigger: result ids derive from the blob name and rows are written
/// under ETags, so a blob reached by both still has one row.
/// </summary>
public sealed partial class ResultReconciler
{
    private readonly TriageService _triage;
    private readonly TriageResultStore _results;
    private readonly CurrentModelProvider _models;
    private readonly BlobContainerClient _xrays;
    private readonly int _maxBlobsPerRun;
    private readonly TriageMetrics _metrics;
    private readonly ILogger<ResultReconciler> _logger;

    // One listing position per prefix ("" for all hospitals): a run reads one page and the next run resumes after it.
    // In memory on purpose: a restarted instance starts over, which only re-checks rows that already exist.
    private readonly ConcurrentDictionary<string, string> _continuations = new(StringComparer.Ordinal);

    public ResultReconciler(
        TriageService triage,
        TriageResultStore results,
        CurrentModelProvider models,
        BlobServiceClient blobs,
        IOptions<StorageOptions> storage,
        IOptions<TriageOptions> options,
        TriageMetrics metrics,
        ILogger<ResultReconciler> logger)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _triage = triage;
        _results = results;
        _models = models;
        _xrays = blobs.GetBlobContainerClient(storage.Value.XraysContainer);
        _maxBlobsPerRun = options.Value.ReconcileMaxBlobsPerRun;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// One bounded run: one listing page of at most <see cref="TriageOptions.ReconcileMaxBlobsPerRun"/> blobs, resuming
    /// where the previous run on this instance stopped, then up to as many pending rows whose blob was not on the page.
    /// </summary>
    /// <param name="hospital">Only this hospital's folder and rows; null for all.</param>
    /// <param name="cancellationToken">Stops between blobs; a blob being scored finishes or is retried next run.</param>
    public async Task<ReconcileReport> RunAsync(string? hospital = null, CancellationToken cancellationToken = default)
    {
        string prefix = Prefix(hospital);
        Tally tally = new();
        bool modelReady = await IsModelReadyAsync(cancellationToken).ConfigureAwait(false);
        HashSet<string> seen = new(StringComparer.Ordinal);
        string? next = await ReconcilePageAsync(prefix, _continuations.GetValueOrDefault(prefix), modelReady, seen, tally, cancellationToken)
            .ConfigureAwait(false);
        if (next is null)
        {
            _continuations.TryRemove(prefix, out _);
        }
        else
        {
            _continuations[prefix] = next;
        }

        await ReconcilePendingAsync(hospital, modelReady, seen, tally, cancellationToken).ConfigureAwait(false);
        ReconcileReport report = tally.ToReport(listingComplete: next is null);
        LogRun(_logger, hospital ?? "*", report.Listed, report.AlreadyHadRow, report.NewlyTriaged, report.PendingRescored,
            report.Rejected, report.Failed, report.Pending, report.Unkeyable, report.ListingComplete);
        _metrics.RecordReconcile(report);
        return report;
    }

    /// <summary>
    /// Every page of the listing, one bounded page at a time, then the pending rows not met on the way: what
    /// <c>covid results reconcile</c> runs. Independent of the timer's position.
    /// </summary>
    public async Task<ReconcileReport> SweepAsync(string? hospital = null, CancellationToken cancellationToken = default)
    {
        string prefix = Prefix(hospital);
        Tally tally = new();
        bool modelReady = await IsModelReadyAsync(cancellationToken).ConfigureAwait(false);
        HashSet<string> seen = new(StringComparer.Ordinal);
        string? token = null;
        do
        {
            token = await ReconcilePageAsync(prefix, token, modelReady, seen, tally, cancellationToken).ConfigureAwait(false);
        }
        while (token is not null);

        await ReconcilePendingAsync(hospital, modelReady, seen, tally, cancellationToken).ConfigureAwait(false);
        ReconcileReport report = tally.ToReport(listingComplete: true);
        _metrics.RecordReconcile(report);
        return report;
    }

    private static string Prefix(string? hospital)
    {
        if (hospital is not null && !HospitalIds.IsValid(hospital))
        {
            throw new ArgumentException($"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.", nameof(hospital));
        }

        return hospital is null ? string.Empty : hospital + "/";
    }

    /// <summary>Reconciles one listing page; returns the token of the next page, null after the last.</summary>
    private async Task<string?> ReconcilePageAsync(
        string prefix, string? token, bool modelReady, HashSet<string> seen, Tally tally, CancellationToken cancellationToken)
    {
        Page<BlobItem>? page = null;
        try
        {
            await foreach (Page<BlobItem> p in _xrays.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Length == 0 ? null : prefix, cancellationToken)
                .AsPages(token, _maxBlobsPerRun).ConfigureAwait(false))
            {
                page = p;
                break;
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No x-ray was ever uploaded: nothing to reconcile.
            return null;
        }

        foreach (BlobItem item in page?.Values ?? [])
        {
            tally.Listed++;
            seen.Add(item.Name);
            await ReconcileBlobAsync(_xrays.GetBlobClient(item.Name), modelReady, tally, cancellationToken).ConfigureAwait(false);
        }

        return string.IsNullOrEmpty(page?.ContinuationToken) ? null : page.ContinuationToken;
    }

    private async Task ReconcileBlobAsync(BlobClient blob, bool modelReady, Tally tally, CancellationToken cancellationToken)
    {
        int slash = blob.Name.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == blob.Name.Length - 1 || !HospitalIds.IsValid(blob.Name[..slash]))
        {
            LogUnkeyable(_logger, blob.Name);
            tally.Unkeyable++;
            return;
        }

        string hospital = blob.Name[..slash];
        string id = ResultIds.ForBlob(hospital, blob.Name[(slash + 1)..]);
        TriageResult? existing;
        try
        {
            existing = await _results.GetAsync(hospital, id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsPerBlobFailure(ex))
        {
            LogBlobFailed(_logger, ex, blob.Name);
            tally.Failed++;
            return;
        }

        if (existing is { Status: not TriageStatus.Pending })
        {
            tally.AlreadyHadRow++;
        }
        else if (existing is not null && !modelReady)
        {
            // Listed just now, so the blob is still there: nothing can change until a model is served.
            tally.Pending++;
        }
        else
        {
            await TriageAsync(blob, wasPending: existing is not null, tally, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pending rows the listing did not reach: scored when a model is served, failed when their blob is gone.</summary>
    private async Task ReconcilePendingAsync(
        string? hospital, bool modelReady, HashSet<string> seen, Tally tally, CancellationToken cancellationToken)
    {
        IReadOnlyList<TriageResult> pending = await _results.ListPendingAsync(hospital, _maxBlobsPerRun, cancellationToken).ConfigureAwait(false);
        foreach (TriageResult row in pending)
        {
            if (row.ImageBlobName is not { } name || row.ImageContainer != _xrays.Name || seen.Contains(name))
            {
                continue;
            }

            tally.PendingOutsideListing++;
            BlobClient blob = _xrays.GetBlobClient(name);
            try
            {
                if (!modelReady && await blob.ExistsAsync(cancellationToken).ConfigureAwait(false))
                {
                    tally.Pending++;
                    continue;
                }
            }
            catch (Exception ex) when (IsPerBlobFailure(ex))
            {
                LogBlobFailed(_logger, ex, name);
                tally.Failed++;
                continue;
            }

            // Gone (the trigger path records blob_missing without needing a model) or a model is served: triage it.
            await TriageAsync(blob, wasPending: true, tally, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task TriageAsync(BlobClient blob, bool wasPending, Tally tally, CancellationToken cancellationToken)
    {
        TriageResult result;
        long started = Stopwatch.GetTimestamp();
        try
        {
            result = await _triage.TriageBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            _metrics.RecordTriage(result, TelemetryNames.Sources.Reconcile, Stopwatch.GetElapsedTime(started));
        }
        catch (TriageRequestException)
        {
            LogUnkeyable(_logger, blob.Name);
            tally.Unkeyable++;
            return;
        }
        catch (Exception ex) when (IsPerBlobFailure(ex))
        {
            // One blob's storage error must not stop the sweep; it has no final row, so the next run tries again.
            LogBlobFailed(_logger, ex, blob.Name);
            tally.Failed++;
            return;
        }

        switch (result.Status)
        {
            case TriageStatus.Scored when wasPending:
                tally.PendingRescored++;
                break;
            case TriageStatus.Scored:
                tally.NewlyTriaged++;
                break;
            case TriageStatus.Rejected:
                tally.Rejected++;
                break;
            case TriageStatus.Failed:
                tally.Failed++;
                break;
            default:
                tally.Pending++;
                break;
        }
    }

    private async Task<bool> IsModelReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _models.GetActiveAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ModelUnavailableException)
        {
            return false;
        }
    }

    private static bool IsPerBlobFailure(Exception ex) =>
        ex is RequestFailedException or IOException or InvalidDataException or ModelUnavailableException;

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciled {Hospital}: {Listed} listed, {AlreadyHadRow} already had a row, "
        + "{NewlyTriaged} newly triaged, {PendingRescored} pending rescored, {Rejected} rejected, {Failed} failed, {Pending} pending, "
        + "{Unkeyable} unkeyable; listing complete {ListingComplete}")]
    private static partial void LogRun(
        ILogger logger, string hospital, int listed, int alreadyHadRow, int newlyTriaged, int pendingRescored,
        int rejected, int failed, int pending, int unkeyable, bool listingComplete);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {BlobName} is not under a valid hospital folder; no result row can be keyed")]
    private static partial void LogUnkeyable(ILogger logger, string blobName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciling blob {BlobName} failed; the next run tries again")]
    private static partial void LogBlobFailed(ILogger logger, Exception exception, string blobName);

    private sealed class Tally
    {
        public int Listed;
        public int PendingOutsideListing;
        public int AlreadyHadRow;
        public int PendingRescored;
        public int NewlyTriaged;
        public int Rejected;
        public int Failed;
        public int Pending;
        public int Unkeyable;

        public ReconcileReport ToReport(bool listingComplete) => new()
        {
            Listed = Listed,
            PendingOutsideListing = PendingOutsideListing,
            AlreadyHadRow = AlreadyHadRow,
            PendingRescored = PendingRescored,
            NewlyTriaged = NewlyTriaged,
            Rejected = Rejected,
            Failed = Failed,
            Pending = Pending,
            Unkeyable = Unkeyable,
            ListingComplete = listingComplete,
        };
    }
}
