using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Runs;

/// <summary>One row per run in the <c>RetrainingRuns</c> table, written at start and at the end of every run.</summary>
public sealed record RetrainingRunRecord
{
    public required string RunId { get; init; }

    public required string InstanceId { get; init; }

    public required string Trigger { get; init; }

    public required RetrainingStatus Status { get; init; }

    public string? Stage { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    public DateTimeOffset? CompletedUtc { get; init; }

    public string? DatasetId { get; init; }

    public int DatasetImages { get; init; }

    public int TrainingImages { get; init; }

    public int ValidationImages { get; init; }

    public int EpochsCompleted { get; init; }

    /// <summary>What training started from: <c>champion {version}</c>, or <c>random: {why}</c>.</summary>
    public string? InitialWeights { get; init; }

    public string? CandidateVersion { get; init; }

    public string? PublishedVersion { get; init; }

    public string? ChampionVersion { get; init; }

    public ModelScore? Challenger { get; init; }

    public ModelScore? Champion { get; init; }

    /// <summary>Seconds per stage, measured with the orchestration clock (replay-safe).</summary>
    public IReadOnlyDictionary<string, double> StageSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>Training chunks in order, showing where each resumed (the proof that a retry lost at most one chunk).</summary>
    public IReadOnlyList<TrainChunkResult> Chunks { get; init; } = [];

    public RetrainingSettings? Settings { get; init; }
}
