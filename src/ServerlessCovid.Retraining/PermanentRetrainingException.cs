namespace ServerlessCovid.Retraining;

/// <summary>
/// A failure that retrying cannot fix (bad data, failed parity, a champion switched meanwhile): the orchestrator's
/// retry policy lets it through at once instead of backing off.
/// </summary>
public sealed class PermanentRetrainingException : Exception
{
    public PermanentRetrainingException()
    {
    }

    public PermanentRetrainingException(string message)
        : base(message)
    {
    }

    public PermanentRetrainingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
