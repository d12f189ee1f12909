using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Inference;

/// <summary>
/// One model version's session, shared by every call that started while it was active. Reference counted: the
/// classifier holds one reference while the version is active and each in-flight call holds one, so the session is
/// disposed exactly when the last of them lets go, never under a running call and never by a timer.
/// </summary>
internal sealed class LoadedModel
{
    private readonly OnnxSession _session;
    private readonly Action<LoadedModel>? _disposed;
    private int _references = 1;

    public LoadedModel(ModelManifest manifest, OnnxSession session, int batchLimit, bool hasActivationMap, Action<LoadedModel>? disposed)
    {
        Manifest = manifest;
        _session = session;
        BatchLimit = batchLimit;
        _disposed = disposed;
        PositiveIndex = IndexOf(manifest.ClassNames, manifest.PositiveClass);
        InputNames = [manifest.InputName];
        HasActivationMap = hasActivationMap;

        // The maps cost one more output copy per run, so only a model that has them is asked for them.
        OutputNames = hasActivationMap ? [manifest.OutputName, ActivationMap.OutputName] : [manifest.OutputName];
    }

    public ModelManifest Manifest { get; }

    public InferenceSession Session => _session.Session;

    public string ExecutionProvider => _session.ExecutionProvider;

    /// <summary>Images per <c>Run</c>: the options' limit, or 1 for a model exported with a fixed batch of one.</summary>
    public int BatchLimit { get; }

    public int PositiveIndex { get; }

    /// <summary>Whether the graph has the <c>cam</c> output (<see cref="ActivationMap"/>), fetched second.</summary>
    public bool HasActivationMap { get; }

    public string[] InputNames { get; }

    public string[] OutputNames { get; }

    /// <summary>
    /// The dynamic batcher of this version's single-image calls, or null when they run one per call (a window of
    /// 0, or a model exported with a fixed batch of one). Set once, right after construction.
    /// </summary>
    public DynamicBatcher? Batcher { get; set; }

    /// <summary>Takes a reference unless the model has already been retired and released by everyone.</summary>
    public bool TryAcquire()
    {
        int current = Volatile.Read(ref _references);
        while (current > 0)
        {
            int seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            // Every queued request holds a reference, so nothing is left in the batcher's queue by now.
            Batcher?.Complete();
            _session.Dispose();
            _disposed?.Invoke(this);
        }
    }

    private static int IndexOf(IReadOnlyList<string> classes, string name)
    {
        for (int i = 0; i < classes.Count; i++)
        {
            if (classes[i] == name)
            {
                return i;
            }
        }

        return -1;
    }
}
