using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

/// <summary>Points a CLI run at the fixture's Azurite and at the calling test's own containers and tables.</summary>
internal static class StorageCliArguments
{
    public static string[] For(AzuriteFixture fixture, StorageOptions options) =>
    [
        "--storage", fixture.ConnectionString,
        "--set", $"Storage:XraysContainer={options.XraysContainer}",
        "--set", $"Storage:LabelledContainer={options.LabelledContainer}",
        "--set", $"Storage:ModelsContainer={options.ModelsContainer}",
        "--set", $"Storage:RetrainingContainer={options.RetrainingContainer}",
        "--set", $"Storage:ResultsTable={options.ResultsTable}",
        "--set", $"Storage:RetrainingRunsTable={options.RetrainingRunsTable}",
    ];
}
