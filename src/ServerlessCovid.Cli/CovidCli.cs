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
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(DatasetCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ModelInfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create(BenchTrainCommand.Create(), BenchInferCommand.Create(), BenchLearnCommand.Create()));
        return root;
    }

    /// <summary>Parses and runs; usage errors print the parser's message and return <see cref="UsageError"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        RootCommand root = BuildRootCommand();
        ParseResult parse = root.Parse(args);
        InvocationConfiguration configuration = new()
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        };
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await configuration.Error.WriteLineAsync(parseError.Message).ConfigureAwait(false);
            }

            await configuration.Error.WriteLineAsync("Run 'covid --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        return await parse.InvokeAsync(configuration).ConfigureAwait(false);
    }
}
