using System.Buffers;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>How a verb prints a list (<c>--format</c>).</summary>
public enum ListFormat
{
    /// <summary>The verb's own table and summary lines, for people.</summary>
    Table,

    /// <summary>RFC 4180 CSV: one header row, then one record per row.</summary>
    Csv,

    /// <summary>A JSON array with one camelCase object per row.</summary>
    Json,
}

/// <summary>One column of a list: its name (the CSV header and the JSON property, camelCase) and a row's cell.</summary>
public sealed record ListColumn<T>(string Name, Func<T, object?> Value);

/// <summary>
/// <c>--format table|csv|json</c> for every verb that prints a list. The table stays each verb's own (it has summary
/// lines); csv and json print the rows alone, with the same columns in both, so a script can switch between them.
/// Anything that is not a row (the research-only disclaimer, summaries) belongs on stderr in those formats.
/// </summary>
public static class ListOutput
{
    public const string OptionName = "--format";

    private static readonly SearchValues<char> NeedsQuoting = SearchValues.Create(",\"\r\n");

    /// <summary>
    /// Adds <c>--format</c> to <paramref name="command"/>. The verb's older <c>--json</c> (the whole document, not just
    /// the rows) cannot be combined with a <c>--format</c> given explicitly.
    /// </summary>
    public static Option<ListFormat> AddFormatOption(Command command, Option<bool> json)
    {
        ArgumentNullException.ThrowIfNull(command);
        Option<ListFormat> format = new(OptionName)
        {
            Description = "How to print the list: table (default), csv (RFC 4180, one header row) or json (an array of objects). "
                + "Unlike --json, csv and json print the rows only.",
            HelpName = "table|csv|json",

            // No DefaultValueFactory: help would print the enum's "Table"; an absent option is default(ListFormat).
            CustomParser = Parse,
        };
        command.Options.Add(format);
        command.Validators.Add(result =>
        {
            if (result.GetValue(json) && result.GetResult(format) is { Implicit: false })
            {
                result.AddError($"Use --json (the whole document) or {OptionName} (the rows), not both.");
            }
        });
        return format;
    }

    /// <summary>Writes <paramref name="rows"/> as CSV or JSON; the table is the verb's own.</summary>
    public static void Write<T>(TextWriter writer, ListFormat format, IEnumerable<T> rows, IReadOnlyList<ListColumn<T>> columns)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (format)
        {
            case ListFormat.Csv:
                writer.Write(ToCsv(rows, columns));
                break;
            case ListFormat.Json:
                writer.WriteLine(ToJson(rows, columns));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Each verb renders its own table.");
        }
    }

    /// <summary>RFC 4180: CRLF after every record; a field holding a comma, quote, CR or LF is quoted, quotes doubled.</summary>
    public static string ToCsv<T>(IEnumerable<T> rows, IReadOnlyList<ListColumn<T>> columns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        StringBuilder csv = new();
        csv.AppendJoin(',', columns.Select(column => Quote(column.Name))).Append("\r\n");
        foreach (T row in rows)
        {
            csv.AppendJoin(',', columns.Select(column => Quote(Text(column.Value(row))))).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>Every object has every column, null where a row has no value, so consumers see one shape.</summary>
    public static string ToJson<T>(IEnumerable<T> rows, IReadOnlyList<ListColumn<T>> columns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        JsonArray array = [];
        foreach (T row in rows)
        {
            array.Add(new JsonObject(columns.Select(column => KeyValuePair.Create(column.Name, Node(column.Value(row))))));
        }

        return array.ToJsonString(ManifestJson.Options);
    }

    private static JsonNode? Node(object? value) =>
        value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), ManifestJson.Options);

    private static string Quote(string field) =>
        field.AsSpan().ContainsAny(NeedsQuoting) ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    // The same spelling as the JSON: invariant numbers, ISO 8601 times, camelCase enums, lower-case booleans.
    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        Enum member => JsonNamingPolicy.CamelCase.ConvertName(member.ToString()),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static ListFormat Parse(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : nameof(ListFormat.Table);
        foreach (ListFormat format in Enum.GetValues<ListFormat>())
        {
            if (string.Equals(text, format.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return format;
            }
        }

        result.AddError($"{OptionName} '{text}' is not a list format: use table, csv or json.");
        return ListFormat.Table;
    }
}
