namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// Arguments that parse but cannot be used together (e.g. neither <c>--model</c> nor <c>--storage</c>): exit code 2,
/// like the parser's own errors, because the fix is on the command line.
/// </summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException()
    {
    }

    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A command failed for a reason the user can act on; the message is printed without a stack trace.</summary>
public sealed class CliFailureException : Exception
{
    public CliFailureException()
    {
    }

    public CliFailureException(string message)
        : base(message)
    {
    }

    public CliFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
