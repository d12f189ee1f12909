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
}
