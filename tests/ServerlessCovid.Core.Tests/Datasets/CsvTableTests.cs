using ServerlessCovid.Core.Datasets;

namespace ServerlessCovid.Core.Tests.Datasets;

public sealed class CsvTableTests
{
    [Fact]
    public void Parse_QuotedCommasNewlinesAndQuotes_FieldsIntactWithStartLines()
    {
        // Arrange
        const string text = "a,b,c,\r\n1,\"x, y\",\"say \"\"hi\"\"\",\n2,\"multi\nline\",z,\n3,,,\n";

        // Act
        (IReadOnlyList<CsvRecord> records, IReadOnlyList<CsvError> errors) = CsvTable.Parse(text);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(4, records.Count);
        Assert.Equal(["a", "b", "c", ""], records[0].Fields);
        Assert.Equal(["1", "x, y", "say \"hi\"", ""], records[1].Fields);
        Assert.Equal(["2", "multi\nline", "z", ""], records[2].Fields);
        Assert.Equal(3, records[2].LineNumber);
        Assert.Equal(5, records[3].LineNumber);
    }

    [Fact]
    public void Parse_UnterminatedQuote_ReportsErrorAndRecoversNextLine()
    {
        // Act
        (IReadOnlyList<CsvRecord> records, IReadOnlyList<CsvError> errors) = CsvTable.Parse("h\n\"open,\nnext\n");

        // Assert
        Assert.Equal(2, Assert.Single(errors).LineNumber);
        Assert.Equal(["h", "next"], records.Select(r => r.Fields[0]));
    }

    [Fact]
    public void FormatLine_FieldsNeedingQuotes_RoundTrip()
    {
        // Arrange
        string[] fields = ["plain", "with,comma", "with \"quote\"", "line\nbreak", ""];

        // Act
        (IReadOnlyList<CsvRecord> records, _) = CsvTable.Parse(CsvTable.FormatLine(fields));

        // Assert
        Assert.Equal(fields, Assert.Single(records).Fields);
    }
}
