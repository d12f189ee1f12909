namespace ServerlessCovid.Core.Evaluation.Localisation;

/// <summary>Stable codes of <see cref="MaskInputException"/>, for scripts that act on them.</summary>
public static class MaskErrorCodes
{
    public const string Missing = "mask_missing";

    public const string Unreadable = "mask_unreadable";

    public const string SizeMismatch = "mask_size_mismatch";

    public const string OutsideDataset = "mask_outside_dataset";
}

/// <summary>A ground-truth mask named by a manifest that cannot be used; <see cref="Code"/> is one of <see cref="MaskErrorCodes"/>.</summary>
public sealed class MaskInputException : Exception
{
    public MaskInputException()
        : this(MaskErrorCodes.Unreadable, "A mask could not be read.")
    {
    }

    public MaskInputException(string message)
        : this(MaskErrorCodes.Unreadable, message)
    {
    }

    public MaskInputException(string message, Exception innerException)
        : this(MaskErrorCodes.Unreadable, message, innerException)
    {
    }

    public MaskInputException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    public string Code { get; }
}
