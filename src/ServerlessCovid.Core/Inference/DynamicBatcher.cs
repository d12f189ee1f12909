using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Inference;

/// <summary>
/// Coalesces concurrent single-image calls on one model version into one ONNX Runtime <c>Run</c>, as Triton's and
/// TorchServe's dynamic batchers do: the first queued image opens a batch, which closes after
/// <c>Inference:BatchWindowMilliseconds</c> or at <c>Inference:MaxBatchSize</c> images, whichever comes first; images
/// that queue while a run is under way go into the next batch without waiting. Callers decode in parallel on their
/// own threads and hand over a finished tensor, so only <c>Run</c> is serialised. One batcher per
/// <see cref="LoadedModel"/>, so a batch never mixes model versions.
/// </summary>
/// <remarks>
/// Each request hands over its pooled tensor and its model reference: the batcher returns and releases them once
/// the run that used them is over, so a caller that gives up early can never pull a buffer or a session out from
/// under a running batch. A caller's cancellation completes only that caller's task; the shared run is never
/// terminated on its behalf.
/// </remarks>
internal sealed class DynamicBatcher
{
    private const int ValuesPerImage = Preprocessing.ValuesPerImage;

    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly LoadedModel _model;
    private readonly Func<float[], int, RunOutput> _run;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _window;

    public DynamicBatcher(LoadedModel model, Func<float[], int, RunOutput> run, int maxBatchSize, TimeSpan window)
    {
        _model = model;
        _run = run;
        _maxBatchSize = maxBatchSize;
        _window = window;
        Completion = Task.Run(LoopAsync);
    }

    /// <summary>Ends when the queue is completed (the model's last reference is gone) and drained.</summary>
    public Task Completion { get; }

    /// <summary>
    /// Queues one preprocessed image. Takes ownership of <paramref name="tensor"/> (rented from
    /// <see cref="ArrayPool{T}.Shared"/>) and of one reference on the model, whatever happens next.
    /// </summary>
    public Task<BatchedRun> EnqueueAsync(float[] tensor, CancellationToken cancellationToken)
    {
        Request request = new(tensor, Stopwatch.GetTimestamp());
        if (cancellationToken.CanBeCanceled)
        {
            request.Registration = cancellationToken.Register(() => request.Result.TrySetCanceled(cancellationToken));
        }

        if (!_queue.Writer.TryWrite(request))
        {
            // Only after the last reference is gone, which the caller's own reference rules out; kept as a guard.
            request.Finish(_model);
            return Task.FromException<BatchedRun>(new ObjectDisposedException(nameof(DynamicBatcher)));
        }

        return request.Result.Task;
    }

    /// <summary>No more requests: called when the model's last reference is released.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private async Task LoopAsync()
    {
        ChannelReader<Request> reader = _queue.Reader;
        List<Request> batch = new(_maxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await FillAsync(reader, batch).ConfigureAwait(false);
            batch.RemoveAll(Abandoned);
            if (batch.Count > 0)
            {
                RunBatch(batch);
                batch.Clear();
            }
        }
    }

    /// <summary>Takes what is queued, then waits out the window (from the first image) for more, up to the limit.</summary>
    private async Task FillAsync(ChannelReader<Request> reader, List<Request> batch)
    {
        long opened = 0;
        while (true)
        {
            if (batch.Count >= _maxBatchSize)
            {
                // A full batch must not carry callers that gave up meanwhile while others still queue.
                batch.RemoveAll(Abandoned);
                if (batch.Count >= _maxBatchSize)
                {
                    return;
                }
            }

            if (reader.TryRead(out Request? request))
            {
                if (Abandoned(request))
                {
                    // Cancelled while queued: its tensor and reference went back, it takes no slot.
                    continue;
                }

                batch.Add(request);
                opened = opened == 0 ? Stopwatch.GetTimestamp() : opened;
                continue;
            }

            TimeSpan remaining = batch.Count == 0 ? TimeSpan.Zero : _window - Stopwatch.GetElapsedTime(opened);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using CancellationTokenSource timer = new(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private bool Abandoned(Request request)
    {
        if (!request.Result.Task.IsCompleted)
        {
            return false;
        }

        request.Finish(_model);
        return true;
    }

    private void RunBatch(List<Request> batch)
    {
        int count = batch.Count;
        float[]? packed = null;
        RunOutput output = default;
        Exception? failure = null;
        long started = 0, ended = 0;
        try
        {
            // One image runs straight from its own tensor; a batch is packed into one pooled NCHW buffer.
            float[] input = batch[0].Tensor;
            if (count > 1)
            {
                packed = ArrayPool<float>.Shared.Rent(count * ValuesPerImage);
                for (int k = 0; k < count; k++)
                {
                    batch[k].Tensor.AsSpan(0, ValuesPerImage).CopyTo(packed.AsSpan(k * ValuesPerImage, ValuesPerImage));
                }

                input = packed;
            }

            started = Stopwatch.GetTimestamp();
            output = _run(input, count);
            ended = Stopwatch.GetTimestamp();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failed run fails the images that were in it, never the batcher: later batches still run.
            failure = ex;
        }
        finally
        {
            if (packed is not null)
            {
                ArrayPool<float>.Shared.Return(packed);
            }

            // Released before anyone is answered, so a retired version is disposed by the time its last caller resumes.
            foreach (Request request in batch)
            {
                request.Finish(_model);
            }
        }

        for (int k = 0; k < count; k++)
        {
            Request request = batch[k];
            if (failure is null)
            {
                request.Result.TrySetResult(new BatchedRun(output, k, count, request.Enqueued, started, ended));
            }
            else
            {
                request.Result.TrySetException(failure);
            }
        }
    }

    private sealed class Request(float[] tensor, long enqueued)
    {
        private float[]? _tensor = tensor;

        public float[] Tensor => _tensor ?? throw new ObjectDisposedException(nameof(Request));

        public long Enqueued { get; } = enqueued;

        public TaskCompletionSource<BatchedRun> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>Returns the tensor to the pool and the model reference to the model (once).</summary>
        public void Finish(LoadedModel model)
        {
            Registration.Dispose();
            if (Interlocked.Exchange(ref _tensor, null) is { } buffer)
            {
                ArrayPool<float>.Shared.Return(buffer);
                model.Release();
            }
        }
    }
}

/// <summary>
/// One image's share of a batched run: the run's output, the image's row in it, and <see cref="Stopwatch"/>
/// timestamps of when the image was queued and when the run started and ended.
/// </summary>
internal readonly record struct BatchedRun(RunOutput Output, int Row, int BatchSize, long Enqueued, long RunStarted, long RunEnded);

/// <summary>Probabilities [n × classes], and the maps [n × classes × h × w] when the model has them.</summary>
internal readonly record struct RunOutput(float[] Probabilities, float[]? Maps, int MapHeight, int MapWidth);
