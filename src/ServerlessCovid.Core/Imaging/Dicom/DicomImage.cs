using System.Buffers;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// An 8-bit display image rendered from a DICOM file: rows packed, one (grey) or three (RGB) channels, in a pooled
/// buffer that <see cref="Dispose"/> returns.
/// </summary>
internal sealed class DicomImage(byte[] pixels, int width, int height, int channels, DicomInfo info) : IDisposable
{
    private byte[]? _pixels = pixels;

    public int Width { get; } = width;

    public int Height { get; } = height;

    public int Channels { get; } = channels;

    public DicomInfo Info { get; } = info;

    public ReadOnlySpan<byte> Pixels => (_pixels ?? throw new ObjectDisposedException(nameof(DicomImage))).AsSpan(0, Width * Height * Channels);

    public void Dispose()
    {
        byte[]? pixels = Interlocked.Exchange(ref _pixels, null);
        if (pixels is not null)
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }
}
