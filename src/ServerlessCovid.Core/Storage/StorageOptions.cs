using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Settings section <c>Storage</c>: where x-rays, labelled images, models and results live. The account itself comes
/// from the <c>AzureWebJobsStorage</c> connection (a connection string locally, identity-based endpoints in Azure).
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Name of the connection setting the Functions bindings and the SDK clients share.</summary>
    [Required]
    public string Connection { get; set; } = "AzureWebJobsStorage";

    [Required, RegularExpression(ContainerNamePattern)]
    public string XraysContainer { get; set; } = "xrays";

    /// <summary>
    /// Images posted to the HTTP triage API, kept as <c>{hospital}/{resultId}.{ext}</c> so a confirmed label can copy
    /// them into the labelled store later. A separate container, so the blob trigger on the x-ray container never
    /// scores an HTTP upload a second time.
    /// </summary>
    [Required, RegularExpression(ContainerNamePattern)]
    public string UploadsContainer { get; set; } = "uploads";

    /// <summary>
    /// Heat-map overlay PNGs, <c>{hospital}/{resultId}.png</c> beside each scored result whose model exports a class
    /// activation map; served by <c>GET /api/hospitals/{hospital}/results/{id}/heatmap</c>.
    /// </summary>
    [Required, RegularExpression(ContainerNamePattern)]
    public string HeatMapsContainer { get; set; } = "heatmaps";

    [Required, RegularExpression(ContainerNamePattern)]
    public string LabelledContainer { get; set; } = "labelled";

    [Required, RegularExpression(ContainerNamePattern)]
    public string ModelsContainer { get; set; } = "models";

    /// <summary>Training checkpoints, dataset snapshots and run records of the retraining orchestration.</summary>
    [Required, RegularExpression(ContainerNamePattern)]
    public string RetrainingContainer { get; set; } = "retraining";

    [Required, RegularExpression(TableNamePattern)]
    public string ResultsTable { get; set; } = "TriageResults";

    [Required, RegularExpression(TableNamePattern)]
    public string RetrainingRunsTable { get; set; } = "RetrainingRuns";

    private const string ContainerNamePattern = "^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$";

    private const string TableNamePattern = "^[A-Za-z][A-Za-z0-9]{2,62}$";
}
