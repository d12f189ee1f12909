using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Core.Triage;

/// <summary>Settings section <c>Triage</c>.</summary>
public sealed class TriageOptions
{
    public const string SectionName = "Triage";

    /// <summary>
    /// How often <c>models/current.json</c> is checked (one conditional read) for a newly published or rolled-back
    /// model; a change is activated by hot swap, without a restart.
    /// </summary>
    [Range(1, 3600)]
    public int ModelRefreshSeconds { get; set; } = 30;

    /// <summary>Retry-After for HTTP callers while no model is published.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 60;

    /// <summary>
    /// NCRONTAB (six fields, seconds first) of the <c>ReconcileXrays</c> timer, which triages blobs the blob trigger
    /// missed and pending rows; default every 5 minutes. The timer binds <c>%Triage:ReconcileSchedule%</c>, so the
    /// app setting must exist (local.settings.sample.json and the Bicep template carry the default).
    /// </summary>
    [Required, RegularExpression(@"^\S+( \S+){5}$", ErrorMessage = "Triage:ReconcileSchedule must be a six-field NCRONTAB expression.")]
    public string ReconcileSchedule { get; set; } = "0 */5 * * * *";

    /// <summary>
    /// Blobs one reconciliation run lists (one listing page; the next run resumes after it), and the most pending rows
    /// it examines apart from the listing. Bounds the work and the storage calls of one timer tick.
    /// </summary>
    [Range(1, 5000)]
    public int ReconcileMaxBlobsPerRun { get; set; } = 500;

    /// <summary>
    /// Attempts the poison recorder makes to write a <c>failed</c> row within one invocation before it lets the host
    /// redeliver the queue message (see <see cref="BlobFailureRecorder"/>).
    /// </summary>
    [Range(1, 20)]
    public int PoisonRecordAttempts { get; set; } = 8;

    /// <summary>First pause between those attempts; it doubles each time, up to 30 s.</summary>
    [Range(1, 60_000)]
    public int PoisonRecordBaseDelayMilliseconds { get; set; } = 1000;
}
