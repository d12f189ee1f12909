namespace ServerlessCovid.Training.Tests;

/// <summary>
/// Tests that seed libtorch's process-wide generator (<c>torch.manual_seed</c>) and expect two seeded runs to match:
/// run alone, or another test's draws between a seed and the draws it should fix change the weights (seen in a full
/// run: a chunked training's train loss 0.973 against the uninterrupted run's 0.854).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalRandomCollectionDefinition
{
    public const string Name = "Torch global random";
}
