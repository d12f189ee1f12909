using System.Text.Json;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Tests;

/// <summary>The shared <c>--format csv|json</c> writer, and how the parser treats the option.</summary>
public sealed class ListOutputTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 4, 17, 30, 0, TimeSpan.Zero);

    private static readonly ListColumn<Row>[] Columns =
    [
        new("name", r => r.Name),
        new("score", r => r.Score),
        new("status", r => r.Status),
        new("createdUtc", r => r.Created),
        new("current", r => r.Current),
    ];

    [Fact]
    public void ToCsv_FieldsWithCommaQuoteAndNewline_AreQuotedAndQuotesDoubled()
    {
        // Arrange
        Row[] rows =
        [
            new("plain", 0.25, TriageStatus.Scored, Created, true),
            new("a,b", null, TriageStatus.Rejected, Created, false),
            new("say \"hi\"", 1, TriageStatus.Failed, Created, false),
            new("two\r\nlines", 0.5, TriageStatus.Scored, Created, false),
        ];

        // Act
        string csv = ListOutput.ToCsv(rows, Columns);

        // Assert: RFC 4180 records end in CRLF, also the last; an empty field is a missing value.
        Assert.Equal(
            "name,score,status,createdUtc,current\r\n"
            + "plain,0.25,scored,2026-12-04T17:30:00.0000000+00:00,true\r\n"
            + "\"a,b\",,rejected,2026-12-04T17:30:00.0000000+00:00,false\r\n"
            + "\"say \"\"hi\"\"\",1,failed,2026-12-04T17:30:00.0000000+00:00,false\r\n"
            + "\"two\r\nlines\",0.5,scored,2026-12-04T17:30:00.0000000+00:00,false\r\n",
            csv);
    }

    [Fact]
    public void ToCsv_NoRows_PrintsTheHeaderOnly()
    {
        // Act
        string csv = ListOutput.ToCsv([], Columns);

        // Assert
        Assert.Equal("name,score,status,createdUtc,current\r\n", csv);
    }

    [Fact]
    public void ToJson_Rows_ArrayOfCamelCaseObjectsWithEveryColumnTyped()
    {
        // Arrange
        Row[] rows = [new("a,b", 0.25, TriageStatus.Scored, Created, true), new("c", null, TriageStatus.Failed, Created, false)];

        // Act
        using JsonDocument json = JsonDocument.Parse(ListOutput.ToJson(rows, Columns));

        // Assert
        JsonElement[] items = [.. json.RootElement.EnumerateArray()];
        Assert.Equal(2, items.Length);
        Assert.All(items, item => Assert.Equal(
            ["name", "score", "status", "createdUtc", "current"], item.EnumerateObject().Select(p => p.Name).ToArray()));
        Assert.Equal("a,b", items[0].GetProperty("name").GetString());
        Assert.Equal(0.25, items[0].GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("score").ValueKind);
        Assert.Equal("failed", items[1].GetProperty("status").GetString());
        Assert.Equal(Created, items[0].GetProperty("createdUtc").GetDateTimeOffset());
        Assert.True(items[0].GetProperty("current").GetBoolean());
    }

    [Fact]
    public void ToJson_NoRows_IsAnEmptyArray()
    {
        // Act
        using JsonDocument json = JsonDocument.Parse(ListOutput.ToJson([], Columns));

        // Assert
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(0, json.RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData("hospitals", "list")]
    [InlineData("models", "list")]
    [InlineData("results", "list", "--hospital", "h1")]
    [InlineData("predict", "--model", "m", "x.png")]
    public async Task Format_Unknown_IsUsageErrorNamingTheFormats(params string[] verb)
    {
        // Act: parsing fails before any storage or model is touched.
        CliRun run = await CliRunner.RunAsync([.. verb, "--format", "xml"]);

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("--format 'xml' is not a list format: use table, csv or json.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Format_WithJson_IsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("models", "list", "--json", "--format", "csv");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("not both", run.Error, StringComparison.Ordinal);
    }

    private sealed record Row(string Name, double? Score, TriageStatus Status, DateTimeOffset Created, bool Current);
}
