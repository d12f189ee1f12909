using System.Text;

namespace ServerlessCovid.Core.Datasets;

/// <summary>One parsed CSV record and the 1-based line on which it starts (for reports).</summary>
public sealed record CsvRecord(int LineNumber, IReadOnlyList<string> Fields);

/// <summary>A record the parser could not read, with the reason.</summary>
public sealed record CsvError(int LineNumber, string Reason);

/// <summary>
/// RFC 4180 reading and writing: quoted fields may contain commas, doubled quotes and line breaks (the Cohen
/// metadata's clinical notes do). Parsing never throws on bad content: an unterminated quote is reported as an error
/// and the parser recovers at the next line.
/// </summary>
public static class CsvTable
{
    public static (IReadOnlyList<CsvRecord> Records, IReadOnlyList<CsvError> Errors) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<CsvRecord> records = [];
        List<CsvError> errors = [];
        int position = 0;
        int line = 1;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            position = 1;
        }

        while (position < text.Length)
        {
            int startLine = line;
            int startPosition = position;
            (List<string>? fields, string? error) = ReadRecord(text, ref position, ref line);
            if (error is not null)
            {
                errors.Add(new CsvError(startLine, error));

                // Recover: skip the rest of the starting physical line and carry on.
                position = startPosition;
                line = startLine;
                while (position < text.Length && text[position] != '\n')
                {
                    position++;
                }

                position++;
                line++;
                continue;
            }

            if (fields!.Count == 1 && fields[0].Length == 0)
            {
                continue;
            }

            records.Add(new CsvRecord(startLine, fields));
        }

        return (records, errors);
    }

    public static string Escape(string? value)
    {
        value ??= string.Empty;
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static string FormatLine(IEnumerable<string?> fields) => string.Join(',', fields.Select(Escape));

    private static (List<string>? Fields, string? Error) ReadRecord(string text, ref int position, ref int line)
    {
        List<string> fields = [];
        StringBuilder field = new();
        while (true)
        {
            if (position < text.Length && text[position] == '"')
            {
                int quoteLine = line;
                position++;
                while (true)
                {
                    if (position >= text.Length)
                    {
                        return (null, $"Quoted field opened on line {quoteLine} is never closed.");
                    }

                    char c = text[position++];
                    if (c == '"')
                    {
                        if (position < text.Length && text[position] == '"')
                        {
                            field.Append('"');
                            position++;
                            continue;
                        }

                        break;
                    }

                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                if (position < text.Length && text[position] is not (',' or '\r' or '\n'))
                {
                    return (null, $"Unexpected character '{text[position]}' after a closing quote on line {line}.");
                }
            }

            while (position < text.Length && text[position] is not (',' or '\r' or '\n'))
            {
                if (text[position] == '"')
                {
                    return (null, $"Stray quote inside an unquoted field on line {line}.");
                }

                field.Append(text[position++]);
            }

            fields.Add(field.ToString());
            field.Clear();
            if (position >= text.Length)
            {
                return (fields, null);
            }

            char separator = text[position++];
            if (separator == ',')
            {
                continue;
            }

            if (separator == '\r' && position < text.Length && text[position] == '\n')
            {
                position++;
            }

            line++;
            return (fields, null);
        }
    }
}
