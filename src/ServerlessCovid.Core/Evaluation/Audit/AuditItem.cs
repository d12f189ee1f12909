namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>
/// One image of a dataset as the audit sees it. <paramref name="Split"/> is free text ("train", "validation", ...);
/// <paramref name="Source"/> is where the image came from (e.g. "cohen", "kermany-pediatric") and
/// <paramref name="Group"/> the patient or other unit that must not straddle splits; both optional.
/// Compute the fingerprint with <see cref="ImageFingerprint.Compute"/>.
/// </summary>
public sealed record AuditItem(
    string Path,
    string Label,
    string Split,
    string? Source,
    string? Group,
    ImageFingerprint Fingerprint);
