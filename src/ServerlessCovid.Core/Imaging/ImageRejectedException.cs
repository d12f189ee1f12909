namespace ServerlessCovid.Core.Imaging;

/// <summary>Stable codes for input that can never be scored. Callers map them to HTTP statuses and rejected rows.</summary>
public static class ImageErrorCodes
{
    public const string Empty = "empty";

    public const string TooLarge = "too_large";

    public const string UnsupportedFormat = "unsupported_format";

    public const string Corrupt = "corrupt";

    public const string DimensionsOutOfRange = "dimensions_out_of_range";

    /// <summary>
    /// A DICOM file whose transfer syntax the reader does not implement (JPEG 2000, JPEG-LS, big endian, unknown);
    /// the reason names the UID.
    /// </summary>
    public const string UnsupportedTransferSyntax = "unsupported_transfer_syntax";

    /// <summary>
    /// Decoding would cost more than one image may: over <c>Imaging:MaxDecodeSeconds</c>, over the memory the declared
    /// size allows, or more JPEG scans than <c>Imaging:MaxJpegScans</c>. The decode was stopped and its memory freed.
    /// </summary>
    public const string DecodeBudgetExceeded = "decode_budget_exceeded";
}

/// <summary>
/// The only exception the imaging API throws for bad input: a stable <see cref="Code"/> and a reason a person
/// can act on. Retrying never helps, so triggers record it instead of retrying.
/// </summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException()
        : this(ImageErrorCodes.Corrupt, "The image could not be read.")
    {
    }

    public ImageRejectedException(string message)
        : this(ImageErrorCodes.Corrupt, message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : this(ImageErrorCodes.Corrupt, message, innerException)
    {
    }

    public ImageRejectedException(string code, string reason, Exception? innerException = null)
        : base(reason, innerException)
    {
        Code = code;
        Reason = reason;
    }

    public string Code { get; }

    public string Reason { get; }
}
