namespace ServerlessCovid.Core.Datasets.Import;

/// <summary>Stable codes for what happened to each metadata row or image file of a public source.</summary>
public static class ImportCodes
{
    /// <summary>Passed every filter; <see cref="PaperDatasetBuilder"/> then decides whether it is used.</summary>
    public const string Eligible = "eligible";

    public const string Selected = "selected";

    public const string NotCovid = "not_covid";

    /// <summary>MERS, SARS or ARDS: excluded as the paper excludes them.</summary>
    public const string ExcludedFinding = "excluded_finding";

    public const string NotXray = "not_xray";

    public const string NotFrontalView = "not_frontal_view";

    public const string NotNormal = "not_normal";

    public const string UnknownLabel = "unknown_label";

    public const string MissingFile = "missing_file";

    public const string UnreadableRow = "unreadable_row";

    public const string UnreadableImage = "unreadable_image";

    public const string UnsupportedFile = "unsupported_file";

    public const string DuplicateCopy = "duplicate_copy";

    /// <summary>Another image of the same patient was chosen (the paper uses one image per patient).</summary>
    public const string OtherImageOfPatient = "other_image_of_patient";

    /// <summary>Eligible, but the class already has its quota or the other class has fewer images.</summary>
    public const string Surplus = "surplus";
}

/// <summary>
/// What happened to one row or file and why. <see cref="Reference"/> says where to look
/// (<c>metadata.csv:12</c> or a path relative to the source folder).
/// </summary>
public sealed record ImportOutcome(string Source, string Reference, string Code, string Reason)
{
    public bool IsProblem => Code is ImportCodes.MissingFile or ImportCodes.UnreadableRow or ImportCodes.UnreadableImage
        or ImportCodes.UnknownLabel or ImportCodes.UnsupportedFile;
}

/// <summary>An image that passed a source's filters.</summary>
public sealed record ImportCandidate(string Source, string Label, string PatientId, string FullPath, string Reference, string OriginalPath);

/// <summary>The result of scanning one source: candidates plus one outcome per row or file examined.</summary>
public sealed record ImportScan(IReadOnlyList<ImportCandidate> Candidates, IReadOnlyList<ImportOutcome> Outcomes);
