using System.CommandLine;
using ServerlessCovid.Cli.Commands;
using ServerlessCovid.Cli.Infrastructure;

namespace ServerlessCovid.Cli;

/// <summary>
/// The <c>covid</c> command tree. Each verb lives in its own file under Commands/ and is added here.
/// Exit codes: 0 success, 1 failure, 2 usage error.
/// </summary>
public static class CovidCli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static RootCommand BuildRootCommand()
    {
        RootCommand root = new("ServerlessCovid: chest x-ray COVID-19 triage research tool. Not a diagnostic device.");
        root.Options.Add(CommonOptions.Verbose);
        root.Options.Add(CommonOptions.Settings);
        root.Subcommands.Add(PlatformCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(ResultsCommand.Create());
        root.Subcommands.Add(HospitalsCommand.Create());
        root.Subcommands.Add(LabelsCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(DatasetCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ModelInfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create(
            BenchTrainCommand.Create(), BenchInferCommand.Create(), BenchLearnCommand.Create(), BenchChunksCommand.Create(), BenchPipelineCommand.Create()));
        return root;
    }

    /// <summary>
    /// The process entry point: <see cref="RunAsync"/> with SIGINT/SIGTERM handled by <see cref="CliTermination"/>
    /// (exit code 130 or 143, within <see cref="CliTermination.GracePeriod"/>).
    /// </summary>
    public static async Task<int> MainAsync(string[] args)
    {
        using CliTermination termination = CliTermination.Register(Console.Error);
        int code = await RunAsync(args, cancellationToken: termination.Token).ConfigureAwait(false);
        if (termination.ExitCode is { } signalled)
        {
            // Something in process (a host's process-exit handler, a foreground thread) could still hold the process.
            CliTermination.ExitNow(signalled);
        }

        return code;
    }

    /// <summary>Parses and runs; usage errors print the parser's message and return <see cref="UsageError"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Results (default: the console).</param>
    /// <param name="error">Progress, warnings and errors (default: the console).</param>
    /// <param name="cancellationToken">
    /// Cancels the verb; when given, System.CommandLine's own Ctrl+C handling is off (the caller handles signals).
    /// </param>
    public static async Task<int> RunAsync(
        string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken? cancellationToken = null)
    {
        RootCommand root = BuildRootCommand();
        ParseResult parse = root.Parse(args);
        InvocationConfiguration configuration = new()
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        };
        if (cancellationToken is not null)
        {
            configuration.ProcessTerminationTimeout = null;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await configuration.Error.WriteLineAsync(parseError.Message).ConfigureAwait(false);
            }

            await configuration.Error.WriteLineAsync("Run 'covid --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        return await parse.InvokeAsync(configuration, cancellationToken ?? CancellationToken.None).ConfigureAwait(false);
    }
}
