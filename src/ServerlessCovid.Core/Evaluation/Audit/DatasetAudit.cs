namespace ServerlessCovid.Core.Evaluation.Audit;

public sealed record SplitClassCount(string Split, string Label, int Count);

public sealed record SourceClassCount(string Label, string Source, int Count);

/// <summary>A patient (or other group) whose images sit in more than one split.</summary>
public sealed record GroupLeak(string Group, IReadOnlyList<string> Splits, int Images);

/// <summary>
/// Two images in different splits that are the same (equal SHA-256) or nearly so: 256-bit dHash distance and SSIM of
/// their 64×64 grey thumbnails (see <see cref="DatasetAuditor"/>).
/// </summary>
public sealed record DuplicatePair(
    string PathA, string SplitA, string LabelA, string PathB, string SplitB, string LabelB, bool Exact, int HashDistance, double Ssim);

public sealed record AuditWarning(string Code, string Message);

/// <summary>
/// What a reader must know about the data before believing any number. Pair lists are capped at
/// <see cref="DatasetAuditor.MaxListedPairs"/>; the counts are always complete. <paramref name="NearDuplicateCandidatePairs"/>
/// counts the cross-split pairs the hash shortlisted for an SSIM check, flagged or not.
/// </summary>
public sealed record DatasetAudit(
    int Images,
    IReadOnlyList<string> Splits,
    IReadOnlyList<SplitClassCount> CountsBySplitAndClass,
    IReadOnlyList<SourceClassCount> CountsBySourceAndClass,
    int GroupCount,
    IReadOnlyList<GroupLeak> GroupLeaks,
    int ExactDuplicatePairs,
    int NearDuplicatePairs,
    NearDuplicateBounds NearDuplicateBounds,
    int NearDuplicateCandidatePairs,
    IReadOnlyList<DuplicatePair> DuplicatePairs,
    IReadOnlyList<AuditWarning> Warnings);

public static class AuditWarningCodes
{
    public const string ClassSourceConfounding = "class-source-confounding";

    public const string GroupLeakage = "group-leakage";

    public const string DuplicatesAcrossSplits = "duplicates-across-splits";

    public const string NearDuplicatesAcrossSplits = "near-duplicates-across-splits";

    public const string NoSourceInformation = "no-source-information";

    public const string NoGroupInformation = "no-group-information";
}
