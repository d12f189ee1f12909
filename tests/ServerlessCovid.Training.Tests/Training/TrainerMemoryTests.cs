using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using Xunit.Abstractions;

namespace ServerlessCovid.Training.Tests.Training;

/// <summary>
/// Tests that read the process's resident set: run alone, or another test's allocations would be counted as ours.
/// </summary>
[CollectionDefinition(ProcessMemoryCollectionDefinition.Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollectionDefinition
{
    public const string Name = "Process memory";
}

[Collection(ProcessMemoryCollectionDefinition.Name)]
public sealed class TrainerMemoryTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-memory-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public TrainerMemoryTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.EnsureInitialized();
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task TrainAsync_ChunkFinished_LeavesItsFreedWorkingSetNotResident()
    {
        // Arrange: the tiny network at 256 px, batch 16, frees a few hundred MB of activations per step (the paper
        // network frees about 1 GB). A first chunk loads libtorch's kernels and raises glibc's mmap threshold as a
        // long-running process has; the heap is then trimmed so that only the second chunk is measured.
        using ToyDataset dataset = new(perClass: 16, seed: 3);
        TrainingRequest request = TrainerTests.TinyRequest(dataset.Images, epochs: 2) with { ImageSize = 256, BatchSize = 16 };
        Trainer trainer = TrainerTests.NewTrainer();
        using (await trainer.TrainAsync(request, _directory, startFromCheckpoint: true, epochsToRunNow: 1))
        {
        }

        ProcessMemory.ReleaseFreedNativeMemory();
        long before = ProcessMemory.Snapshot().ResidentBytes;
        Assert.True(ProcessMemory.ResetPeakResident(), "The peak resident set cannot be reset here (/proc/self/clear_refs).");

        // Act
        using (await trainer.TrainAsync(request, _directory, startFromCheckpoint: true, epochsToRunNow: 1))
        {
        }

        long workingSet = ProcessMemory.Snapshot().PeakResidentBytes - before;
        long leftResident = ProcessMemory.ReleaseFreedNativeMemory();
        _output.WriteLine($"working set {workingSet >> 20} MiB, freed but resident afterwards {leftResident >> 20} MiB");

        // Assert: what a trim can still give back is what the chunk freed but left resident.
        Assert.True(workingSet > 32L << 20, $"The chunk's working set ({workingSet >> 20} MiB) is too small to tell anything.");
        Assert.True(
            leftResident < workingSet / 10,
            $"The chunk left {leftResident >> 20} MiB of freed memory resident out of a {workingSet >> 20} MiB working set.");
    }
}
