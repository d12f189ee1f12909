namespace ServerlessCovid.Cli.Tests;

public sealed class ModelInfoCommandTests
{
    [Fact]
    public async Task ModelInfo_PaperPreset_PrintsThePapersCountsAndCost()
    {
        // Arrange
        using StringWriter stdout = new();

        // Act
        int exit = await CovidCli.RunAsync(["model-info", "--preset", "paper"], stdout, TextWriter.Null);

        // Assert
        string text = stdout.ToString();
        Assert.Equal(CovidCli.Success, exit);
        Assert.Contains("4,235,092", text, StringComparison.Ordinal);
        Assert.Contains("36,738", text, StringComparison.Ordinal);
        Assert.Contains("Multiply-adds at 256×256: 734.8 M", text, StringComparison.Ordinal);
        Assert.Contains("normal_12", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfo_SizeTooSmall_IsAUsageError()
    {
        // Act
        int exit = await CovidCli.RunAsync(["model-info", "--size", "8"], TextWriter.Null, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.UsageError, exit);
    }
}
