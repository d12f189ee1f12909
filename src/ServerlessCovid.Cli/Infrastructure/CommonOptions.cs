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

    /// <summary>Makes <paramref name="hospital"/> a usage error unless it is a hospital id (the rule of <c>HospitalIds</c>).</summary>
    public static void RequireHospitalId(Option<string> hospital)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        hospital.Validators.Add(result =>
        {
            string? value = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (value is not null && !Core.Storage.HospitalIds.IsValid(value))
            {
                result.AddError($"{hospital.Name} '{value}' is not a hospital id: {Core.Storage.HospitalIds.Rule}.");
            }
        });
    }

    public const string AccountUrlName = "--account-url";

    /// <summary>
    /// <c>--account-url https://ACCOUNT.blob.core.windows.net</c>: the storage account by endpoint, signed in with
    /// <c>DefaultAzureCredential</c> (Azure CLI login, environment, managed identity, ...), as the Bicep's
    /// identity-only storage (shared keys off) requires.
    /// </summary>
    public static Option<string?> AccountUrl() => new(AccountUrlName)
    {
        Description = "Storage account blob endpoint (https://ACCOUNT.blob.core.windows.net), signed in with DefaultAzureCredential "
            + "(az login, environment, managed identity). Instead of --storage; for accounts with shared keys off.",
        HelpName = "URL",
    };

    /// <summary>Global <c>--verbose</c>: informational logs and stack traces on stderr.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Show informational logs and stack traces on stderr.",
        Recursive = true,
    };

    /// <summary>
    /// Global <c>--set KEY=VALUE</c> (repeatable): overrides any setting for this run, in configuration-key form, e.g.
    /// <c>--set Storage:ResultsTable=DemoResults</c> or <c>--set Inference:ExecutionProvider=cpu</c>.
    /// </summary>
    public static Option<string[]> Settings { get; } = CreateSettings();

    private static Option<string[]> CreateSettings()
    {
        Option<string[]> option = new("--set")
        {
            Description = "Override a setting for this run, e.g. --set Storage:ResultsTable=DemoResults (repeatable).",
            HelpName = "KEY=VALUE",
            Recursive = true,
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        option.Validators.Add(result =>
        {
            foreach (System.CommandLine.Parsing.Token token in result.Tokens)
            {
                int equals = token.Value.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    result.AddError($"--set expects KEY=VALUE (e.g. Storage:ResultsTable=DemoResults); got '{token.Value}'.");
                }
            }
        });
        return option;
    }
}
