namespace ServerlessCovid.Core.Evaluation;

/// <summary>Scores, labels or options that cannot be evaluated; the message says what to fix.</summary>
public sealed class EvaluationInputException : Exception
{
    public EvaluationInputException()
    {
    }

    public EvaluationInputException(string message)
        : base(message)
    {
    }

    public EvaluationInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
