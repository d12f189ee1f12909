using System.ComponentModel.DataAnnotations;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Evaluation;

/// <summary>Settings of every evaluation report ("Evaluation" configuration section).</summary>
public sealed class EvaluationOptions
{
    public const string SectionName = "Evaluation";

    /// <summary>Bootstrap replicates for the AUC intervals.</summary>
    [Range(100, 100_000)]
    public int BootstrapReplicates { get; set; } = AucBootstrap.DefaultReplicates;

    public int BootstrapSeed { get; set; } = AucBootstrap.DefaultSeed;

    /// <summary>Maximum Hamming distance between 64-bit dHashes for two images to count as near-duplicates.</summary>
    [Range(0, 32)]
    public int NearDuplicateHammingDistance { get; set; } = 4;

    [Range(320, 4000)]
    public int FigureWidth { get; set; } = 800;

    [Range(240, 4000)]
    public int FigureHeight { get; set; } = 600;
}
