using System.CommandLine;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// Options every verb spells the same way. Create a fresh instance per command (System.CommandLine symbols belong to
/// one parent), e.g. <c>Option&lt;bool&gt; json = CommonOptions.Json();</c>.
/// </summary>
public static class CommonOptions
{
    /// <summary>Environment variable read when <c>--storage</c> is not given (the Azure CLI's name for it).</summary>
    public const string StorageConnectionVariable = "AZURE_STORAGE_CONNECTION_STRING";

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON on stdout instead of tables (progress and logs go to stderr).",
    };

    public static Option<string?> Storage() => new("--storage")
    {
        Description = "Storage connection string (Azurite or Azure). Default: $" + StorageConnectionVariable
            + ", then the Functions setting AzureWebJobsStorage (connection string or identity-based __blobServiceUri...).",
        HelpName = "CONN",
    };

    /// <summary>Global <c>--verbose</c>: informational logs and stack traces on stderr.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Show informational logs and stack traces on stderr.",
        Recursive = true,
    };
}
