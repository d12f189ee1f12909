using System.Buffers;
using SixLabors.ImageSharp.Memory;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// What one image may spend: a deadline (<c>Imaging:MaxDecodeSeconds</c>), the caller's cancellation token and a
/// ceiling on the decoder's live buffers (<see cref="DecodeMemory.LimitBytes"/>). ImageSharp 2.1 takes no token, so
/// the budget is checked where every decoder must pass: each read from the input stream and each buffer it
/// allocates. Exceeding it throws <see cref="DecodeBudgetExceededException"/> on the decoding thread, which unwinds
/// the decoder and disposes everything it allocated; nothing keeps running in the background.
/// </summary>
internal sealed class DecodeBudget
{
    private readonly TimeProvider _time;
    private readonly long _deadline;
    private readonly CancellationToken _cancellationToken;
    private long _liveBytes;

    public DecodeBudget(TimeProvider time, TimeSpan maxDuration, long limitBytes, CancellationToken cancellationToken)
    {
        _time = time;
        _deadline = time.GetTimestamp() + (long)(maxDuration.TotalSeconds * time.TimestampFrequency);
        MaxDuration = maxDuration;
        LimitBytes = limitBytes;
        _cancellationToken = cancellationToken;
    }

    public TimeSpan MaxDuration { get; }

    /// <summary>The caller's token, for decoders that take one instead of checking the budget.</summary>
    public CancellationToken CancellationToken => _cancellationToken;

    /// <summary>Ceiling on the decoder's live buffers; raised once the header has been read (<see cref="DecodeMemory"/>).</summary>
    public long LimitBytes { get; set; }

    /// <summary>Total of the decoder's buffers not yet disposed.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Largest total of live decoder buffers seen so far.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Why the budget was exceeded, or null while it holds.</summary>
    public string? ExceededReason { get; private set; }

    /// <summary>Throws when the caller cancelled or the deadline has passed.</summary>
    public void Check()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (ExceededReason is not null)
        {
            throw new DecodeBudgetExceededException(ExceededReason);
        }

        if (_time.GetTimestamp() > _deadline)
        {
            Exceed($"Decoding took longer than the {MaxDuration.TotalSeconds:0.###} s budget (Imaging:MaxDecodeSeconds).");
        }
    }

    public void Reserve(long bytes)
    {
        Check();
        long live = Interlocked.Add(ref _liveBytes, bytes);
        if (live > PeakBytes)
        {
            PeakBytes = live;
        }

        if (live > LimitBytes)
        {
            Interlocked.Add(ref _liveBytes, -bytes);
            Exceed($"Decoding needed more than its {LimitBytes / (1024.0 * 1024):0.#} MiB memory budget for the declared size.");
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _liveBytes, -bytes);

    private void Exceed(string reason)
    {
        ExceededReason ??= reason;
        throw new DecodeBudgetExceededException(ExceededReason);
    }
}

/// <summary>Thrown on the decoding thread when a <see cref="DecodeBudget"/> runs out; mapped to <see cref="ImageErrorCodes.DecodeBudgetExceeded"/>.</summary>
internal sealed class DecodeBudgetExceededException(string reason) : Exception(reason);

/// <summary>
/// The documented memory bound. A decode may hold at most <see cref="LimitBytes"/> of live decoder buffers:
/// <c>16 × width × height + 2 × file bytes + 16 MiB</c> of the declared size. Sixteen bytes per pixel covers the
/// worst accepted layout (a progressive 4:4:4 JPEG keeps 2 bytes per coefficient for three components plus its
/// colour-conversion rows and the 3-byte RGB image; 16-bit RGBA PNG keeps two 8-byte scanlines and the RGB image);
/// the file term covers chunk and strip copies. Peak memory for one image is therefore at most the input copy
/// (≤ <c>Imaging:MaxBytes</c>) plus this limit plus the 256 KiB output tensor.
/// </summary>
internal static class DecodeMemory
{
    public const long BytesPerPixel = 16;

    public const long FixedBytes = 16L * 1024 * 1024;

    /// <summary>Budget for reading the header only: enough for every chunk the file could hold.</summary>
    public static long HeaderLimitBytes(long fileBytes) => (2 * fileBytes) + FixedBytes;

    public static long LimitBytes(long width, long height, long fileBytes) =>
        (BytesPerPixel * width * height) + (2 * fileBytes) + FixedBytes;
}

/// <summary>Passes every ImageSharp allocation through a <see cref="DecodeBudget"/>, counting live bytes.</summary>
internal sealed class BudgetedMemoryAllocator(MemoryAllocator inner, DecodeBudget budget, int bufferCapacityInBytes) : MemoryAllocator
{
    protected override int GetBufferCapacityInBytes() => bufferCapacityInBytes;

    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        long bytes = (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        budget.Reserve(bytes);
        try
        {
            return new Owner<T>(inner.Allocate<T>(length, options), budget, bytes);
        }
        catch
        {
            budget.Release(bytes);
            throw;
        }
    }

    private sealed class Owner<T>(IMemoryOwner<T> owner, DecodeBudget budget, long bytes) : IMemoryOwner<T>
    {
        private int _disposed;

        public Memory<T> Memory => owner.Memory;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Dispose();
                budget.Release(bytes);
            }
        }
    }
}

/// <summary>A read-only view of the input that checks the budget on every read, so a decoder looping over its input stops.</summary>
internal sealed class BudgetedStream(Stream inner, DecodeBudget budget) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        budget.Check();
        return inner.Read(buffer, offset, count);
    }

    public override int Read(Span<byte> buffer)
    {
        budget.Check();
        return inner.Read(buffer);
    }

    public override int ReadByte()
    {
        budget.Check();
        return inner.ReadByte();
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
