using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Tests;

public sealed class RetrainingOptionsTests
{
    private static IOptions<RetrainingOptions> Build(Dictionary<string, string?> settings)
    {
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddRetraining();
        return services.BuildServiceProvider().GetRequiredService<IOptions<RetrainingOptions>>();
    }

    [Fact]
    public void Options_NoSettings_HaveDocumentedDefaults()
    {
        RetrainingOptions options = Build([]).Value;

        Assert.Equal("0 0 3 * * 0", options.Schedule);
        Assert.Equal("learn", options.Preset);
        Assert.Equal(20, options.MinImagesPerClass);
        Assert.Equal(2, options.EpochsPerChunk);
        Assert.Equal(0.3, options.ValidationFraction);
        Assert.Equal(PrimaryMetric.PositiveClassAuc, options.PrimaryMetric);
        Assert.Equal(0.01, options.MinimumImprovement);
        Assert.Equal(20, options.MinValidationImagesPerClass);
        Assert.Equal(0.5, options.MinSensitivity);
        Assert.Equal(0.5, options.MinSpecificity);
        Assert.True(options.WarmStart);
    }

    [Theory]
    [InlineData("Retraining:Preset", "fast")]
    [InlineData("Retraining:Schedule", "weekly")]
    [InlineData("Retraining:MinImagesPerClass", "1")]
    [InlineData("Retraining:EpochsPerChunk", "0")]
    [InlineData("Retraining:MinimumImprovement", "2")]
    [InlineData("Retraining:MinValidationImagesPerClass", "0")]
    [InlineData("Retraining:MinSensitivity", "1.5")]
    [InlineData("Retraining:MinSpecificity", "-0.1")]
    public void Options_InvalidSetting_FailValidationNamingTheSetting(string key, string value)
    {
        IOptions<RetrainingOptions> options = Build(new() { [key] = value });

        OptionsValidationException ex = Assert.Throws<OptionsValidationException>(() => options.Value);
        Assert.Contains(key.Split(':')[1], ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SettingsFrom_Options_CopiesEverySetting()
    {
        RetrainingOptions options = new()
        {
            Preset = "tiny", Epochs = 4, EpochsPerChunk = 3, MinImagesPerClass = 9, ValidationFraction = 0.25, Seed = 5,
            PrimaryMetric = PrimaryMetric.Accuracy, MinimumImprovement = 0.02, MaxAttempts = 2, FirstRetrySeconds = 7,
            MinValidationImagesPerClass = 30, MinSensitivity = 0.6, MinSpecificity = 0.7, WarmStart = false,
        };

        RetrainingSettings settings = RetrainingSettings.From(options);

        Assert.Equal(
            new RetrainingSettings
            {
                Preset = "tiny", Epochs = 4, EpochsPerChunk = 3, MinImagesPerClass = 9, ValidationFraction = 0.25, Seed = 5,
                PrimaryMetric = PrimaryMetric.Accuracy, MinimumImprovement = 0.02, MaxAttempts = 2, FirstRetrySeconds = 7,
                MinValidationImagesPerClass = 30, MinSensitivity = 0.6, MinSpecificity = 0.7, WarmStart = false,
            },
            settings);
    }
}
