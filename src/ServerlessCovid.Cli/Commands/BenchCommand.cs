using System.CommandLine;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench</c>: parent of the benchmark verbs (<c>bench train</c>, <c>bench infer</c>...). Benchmarks measure
/// speed on this machine; tests never assert wall-clock times.
/// </summary>
public static class BenchCommand
{
    public static Command Create(params Command[] children)
    {
        Command command = new("bench", "Measure speed on this machine (training and inference benchmarks).");
        foreach (Command child in children)
        {
            command.Subcommands.Add(child);
        }

        return command;
    }
}
