namespace ServerlessCovid.Core.Triage;

/// <summary>Stable codes for requests that name something unusable, before any image is read.</summary>
public static class TriageErrorCodes
{
    public const string InvalidHospital = "invalid_hospital";

    public const string InvalidBlobName = "invalid_blob_name";

    public const string InvalidLabel = "invalid_label";

    /// <summary>Only scored results have an image worth labelling (rejected and failed ones do not).</summary>
    public const string NotLabellable = "result_not_labellable";

    /// <summary>The blob was overwritten after scoring; labelling it would attach the label to other bytes.</summary>
    public const string ImageChanged = "image_changed";

    /// <summary>Other labels for the same result kept landing first; sending the label again is safe.</summary>
    public const string LabelConflict = "label_conflict";
}

/// <summary>A hospital id or blob name that cannot be used as a key or path; retrying never helps.</summary>
public sealed class TriageRequestException : Exception
{
    public TriageRequestException()
        : this(TriageErrorCodes.InvalidBlobName, "The request is invalid.")
    {
    }

    public TriageRequestException(string message)
        : this(TriageErrorCodes.InvalidBlobName, message)
    {
    }

    public TriageRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = TriageErrorCodes.InvalidBlobName;
    }

    public TriageRequestException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public string Code { get; }
}
