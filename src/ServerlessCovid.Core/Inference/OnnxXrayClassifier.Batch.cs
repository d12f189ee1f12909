using System.Buffers;
using System.Diagnostics;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Inference;

/// <summary>
/// Batch scoring as a two-stage pipeline: while ONNX Runtime scores one chunk, the next chunk is decoded and
/// preprocessed. Decoding is then hidden behind inference instead of added to it, which is what bounds throughput
/// on a GPU (inference takes a few milliseconds there) and what keeps a CPU's cores busy between operators.
/// </summary>
public sealed partial class OnnxXrayClassifier
{
    public async Task<IReadOnlyList<BatchItemResult>> ScoreBatchAsync(
        IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        cancellationToken.ThrowIfCancellationRequested();
        BatchItemResult[] results = new BatchItemResult[images.Count];
        if (images.Count == 0)
        {
            return results;
        }

        LoadedModel model = Acquire();
        try
        {
            int chunkSize = model.BatchLimit;
            PreparedChunk? current = Prepare(images, 0, chunkSize, results, cancellationToken);
            while (current is not null)
            {
                int nextOffset = current.Offset + chunkSize;
                Task<PreparedChunk>? next = nextOffset < images.Count
                    ? Task.Run(() => Prepare(images, nextOffset, chunkSize, results, cancellationToken), cancellationToken)
                    : null;
                try
                {
                    Score(model, current, results, cancellationToken);
                }
                catch
                {
                    // The next chunk's pooled buffer must go back to the pool once its decoding stops.
                    _ = next?.ContinueWith(
                        static decoded => decoded.Result.Dispose(),
                        CancellationToken.None,
                        TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                    throw;
                }
                finally
                {
                    current.Dispose();
                }

                current = next is null ? null : await next.ConfigureAwait(false);
            }

            return results;
        }
        finally
        {
            model.Release();
        }
    }

    /// <summary>
    /// Decodes up to <paramref name="chunkSize"/> images from <paramref name="offset"/> into one pooled input
    /// tensor, packed so that one <c>Run</c> sees only the good ones; rejected images get their result here.
    /// </summary>
    private PreparedChunk Prepare(
        IReadOnlyList<ReadOnlyMemory<byte>> images, int offset, int chunkSize, BatchItemResult[] results, CancellationToken cancellationToken)
    {
        int count = Math.Min(chunkSize, images.Count - offset);
        float[] input = ArrayPool<float>.Shared.Rent(count * ValuesPerImage);
        PreprocessedImage?[] prepared = new PreprocessedImage?[count];
        try
        {
            void Decode(int i)
            {
                try
                {
                    prepared[i] = _preprocessor.LoadTensor(images[offset + i].Span, input.AsSpan(i * ValuesPerImage, ValuesPerImage), cancellationToken);
                }
                catch (ImageRejectedException rejected)
                {
                    results[offset + i] = new BatchItemResult(null, rejected.Code, rejected.Reason);
                }
            }

            if (count == 1)
            {
                Decode(0);
            }
            else
            {
                Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, Decode);
            }

            int[] slots = new int[count];
            int good = 0;
            for (int i = 0; i < count; i++)
            {
                if (prepared[i] is null)
                {
                    continue;
                }

                if (good != i)
                {
                    input.AsSpan(i * ValuesPerImage, ValuesPerImage).CopyTo(input.AsSpan(good * ValuesPerImage));
                }

                slots[good++] = i;
            }

            return new PreparedChunk(offset, input, prepared, slots, good);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(input);
            throw;
        }
    }

    private void Score(LoadedModel model, PreparedChunk chunk, BatchItemResult[] results, CancellationToken cancellationToken)
    {
        if (chunk.Good == 0)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        long started = Stopwatch.GetTimestamp();
        RunOutput output = Run(model, chunk.Input, chunk.Good, cancellationToken);
        double inferenceMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds / chunk.Good;
        for (int k = 0; k < chunk.Good; k++)
        {
            int i = chunk.Slots[k];
            results[chunk.Offset + i] = new BatchItemResult(Predict(model, output, k, chunk.Prepared[i]!, inferenceMs), null, null);
        }
    }

    /// <summary>A decoded chunk: <see cref="Good"/> tensors packed at the start of <see cref="Input"/> (pooled).</summary>
    private sealed class PreparedChunk(int offset, float[] input, PreprocessedImage?[] prepared, int[] slots, int good) : IDisposable
    {
        private float[]? _input = input;

        public int Offset { get; } = offset;

        public float[] Input => _input ?? throw new ObjectDisposedException(nameof(PreparedChunk));

        public PreprocessedImage?[] Prepared { get; } = prepared;

        /// <summary>Slot k of the packed tensor holds image <c>Offset + Slots[k]</c>.</summary>
        public int[] Slots { get; } = slots;

        public int Good { get; } = good;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _input, null) is { } buffer)
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }
}
