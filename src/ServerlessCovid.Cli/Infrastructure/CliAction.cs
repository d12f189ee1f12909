using System.CommandLine;
using Azure;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// Sets a verb's action so every verb maps failures the same way: a one-line reason on stderr and exit code 1
/// (2 for <see cref="CliUsageException"/>), never an unhandled stack trace unless <c>--verbose</c>.
/// </summary>
public static class CliAction
{
    /// <summary>
    /// Usage: <c>command.SetCliAction(async (context, cancellationToken) =&gt; { ...; return CovidCli.Success; });</c>
    /// </summary>
    public static void SetCliAction(this Command command, Func<CliContext, CancellationToken, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(action);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            CliContext context = new(parseResult);
            try
            {
                return await action(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return await ReportAsync(context, ex, cancellationToken).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Maps an exception to an exit code and prints why; public so long-running verbs can reuse it per stage.</summary>
    public static async Task<int> ReportAsync(CliContext context, Exception exception, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(exception);
        (int code, string message) = Describe(exception, cancellationToken);
        await context.Error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
        if (code == CovidCli.UsageError)
        {
            await context.Error.WriteLineAsync("Run with --help for usage.").ConfigureAwait(false);
        }

        if (context.Verbose)
        {
            await context.Error.WriteLineAsync(exception.ToString()).ConfigureAwait(false);
        }

        return code;
    }

    internal static (int Code, string Message) Describe(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        CliUsageException usage => (CovidCli.UsageError, usage.Message),
        OperationCanceledException when cancellationToken.IsCancellationRequested => (CovidCli.Failure, "cancelled."),
        ImageRejectedException rejected => (CovidCli.Failure, $"image rejected ({rejected.Code}): {rejected.Reason}"),
        OptionsValidationException options => (CovidCli.Failure, "invalid settings: " + string.Join("; ", options.Failures)),
        StorageNotConfiguredException => (CovidCli.Failure, NoStorageMessage),
        RequestFailedException { Status: 0 } unreachable => (CovidCli.Failure, Unreachable(unreachable)),
        AggregateException aggregate when aggregate.InnerExceptions.Count > 0
            && aggregate.InnerExceptions.All(e => e is RequestFailedException { Status: 0 })
            => (CovidCli.Failure, Unreachable(aggregate.InnerExceptions[^1])),
        RequestFailedException storage => (CovidCli.Failure,
            $"storage request failed ({storage.Status} {storage.ErrorCode}): {FirstLine(storage.Message)}"),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0], cancellationToken),
        CliFailureException or InvalidModelPackageException or ModelUnavailableException or ModelRegistryConflictException
            or ModelVersionNotFoundException or InvalidContinuationTokenException
            or ExecutionProviderUnavailableException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or InvalidOperationException or TimeoutException
            => (CovidCli.Failure, exception.Message),
        _ => (CovidCli.Failure, $"{exception.GetType().Name}: {exception.Message}"),
    };

    /// <summary>What to do when no storage account is configured at all.</summary>
    internal const string NoStorageMessage =
        "no storage account is configured: pass --storage CONN (connection string) or --account-url https://ACCOUNT.blob.core.windows.net, "
        + "or set " + CommonOptions.StorageConnectionVariable + " (or the Functions setting AzureWebJobsStorage).";

    private static string Unreachable(Exception exception) =>
        $"cannot reach the storage account ({FirstLine(exception.InnerException?.Message ?? exception.Message)}): check --storage / --account-url, "
        + $"{CommonOptions.StorageConnectionVariable} or AzureWebJobsStorage, and that the account (or Azurite: npm run azurite) is running.";

    private static string FirstLine(string text)
    {
        int newline = text.IndexOfAny(['\r', '\n']);
        return newline < 0 ? text : text[..newline];
    }
}
