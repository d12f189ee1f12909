using System.CommandLine;
using System.Text.Json;
using ServerlessCovid.Core.Models;
using Spectre.Console;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// What a verb's action needs from the invocation: the writers the caller supplied (the real console, or
/// <see cref="StringWriter"/>s in tests), Spectre consoles bound to them, and the global options.
/// Results go to <see cref="Out"/>; progress, warnings and logs to <see cref="Error"/>, so <c>--json</c> output
/// stays parseable.
/// </summary>
public sealed class CliContext
{
    private const int RedirectedWidth = 160;

    public CliContext(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ParseResult = parseResult;
        Out = parseResult.InvocationConfiguration.Output;
        Error = parseResult.InvocationConfiguration.Error;
        Verbose = parseResult.GetValue(CommonOptions.Verbose);
        Settings = ParseSettings(parseResult.GetValue(CommonOptions.Settings) ?? []);
        Console = CreateConsole(Out, ReferenceEquals(Out, System.Console.Out) && !System.Console.IsOutputRedirected);
        ErrorConsole = CreateConsole(Error, ReferenceEquals(Error, System.Console.Error) && !System.Console.IsErrorRedirected);
    }

    public ParseResult ParseResult { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public bool Verbose { get; }

    /// <summary>The global <c>--set KEY=VALUE</c> overrides, applied over environment variables.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Tables and summaries (stdout).</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Progress bars and warnings (stderr).</summary>
    public IAnsiConsole ErrorConsole { get; }

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);

    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    /// <summary>Writes <paramref name="value"/> as indented camelCase JSON, the format of manifests and reports.</summary>
    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, ManifestJson.Options));

    public void WriteWarning(string message) => ErrorConsole.MarkupLineInterpolated($"[yellow]warning:[/] {message}");

    private static Dictionary<string, string?> ParseSettings(IEnumerable<string> pairs)
    {
        Dictionary<string, string?> settings = new(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in pairs)
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            settings[pair[..equals].Replace("__", ":", StringComparison.Ordinal)] = pair[(equals + 1)..];
        }

        return settings;
    }

    /// <summary>
    /// A terminal gets colours and live progress; anything else (pipes, CI logs, tests) gets plain text at a fixed width,
    /// so output is stable and greppable.
    /// </summary>
    private static IAnsiConsole CreateConsole(TextWriter writer, bool isTerminal)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
