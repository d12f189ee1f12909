using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Evaluation;

public sealed class LabelledFolderAndRegistrationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-folder-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void ListLabelledFiles_ClassFolders_ReturnsSortedFilesWithLabelsSkippingHidden()
    {
        // Arrange
        Write("normal/b.png");
        Write("covid/z.png");
        Write("covid/a.png");
        Write("covid/.DS_Store");
        Directory.CreateDirectory(Path.Combine(_directory, ".cache"));

        // Act
        List<(string Path, string Label)> files = LabelledFolderScorer.ListLabelledFiles(_directory, ClassNames.InOutputOrder);

        // Assert
        Assert.Equal(["covid/a.png", "covid/z.png", "normal/b.png"], files.Select(f => Path.GetRelativePath(_directory, f.Path)));
        Assert.Equal(["covid", "covid", "normal"], files.Select(f => f.Label));
    }

    [Fact]
    public void ListLabelledFiles_DicomWithAndWithoutExtension_BothListed()
    {
        // Arrange: evaluate takes every file of a class folder (refusals are reported), so PACS names need no extension.
        Write("covid/IM000001");
        Write("normal/scan.dcm");

        // Act
        List<(string Path, string Label)> files = LabelledFolderScorer.ListLabelledFiles(_directory, ClassNames.InOutputOrder);

        // Assert
        Assert.Equal(["covid/IM000001", "normal/scan.dcm"], files.Select(f => Path.GetRelativePath(_directory, f.Path)));
    }

    [Fact]
    public void ListLabelledFiles_UnknownClassFolder_ThrowsWithFolderName()
    {
        // Arrange
        Write("covid/a.png");
        Write("pneumonia/p.png");

        // Act
        EvaluationInputException ex = Assert.Throws<EvaluationInputException>(
            () => LabelledFolderScorer.ListLabelledFiles(_directory, ClassNames.InOutputOrder));

        // Assert
        Assert.Contains("'pneumonia'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListLabelledFiles_MissingFolder_ThrowsEvaluationInputException()
    {
        // Act + Assert
        Assert.Throws<EvaluationInputException>(
            () => LabelledFolderScorer.ListLabelledFiles(Path.Combine(_directory, "nope"), ClassNames.InOutputOrder));
    }

    [Fact]
    public void AddEvaluation_DefaultConfiguration_ResolvesWriter()
    {
        // Arrange
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();

        // Act
        services.AddEvaluation();
        using ServiceProvider provider = services.BuildServiceProvider();

        // Assert
        Assert.NotNull(provider.GetRequiredService<EvaluationReportWriter>());
        Assert.Equal(1000, provider.GetRequiredService<IOptions<EvaluationOptions>>().Value.BootstrapReplicates);
    }

    [Fact]
    public void AddEvaluation_TooFewBootstrapReplicates_FailsValidation()
    {
        // Arrange
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Evaluation:BootstrapReplicates"] = "5" }).Build());
        services.AddLogging();
        services.AddEvaluation();
        using ServiceProvider provider = services.BuildServiceProvider();

        // Act + Assert
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EvaluationOptions>>().Value);
    }

    private void Write(string relative)
    {
        string path = Path.Combine(_directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [1, 2, 3]);
    }
}
