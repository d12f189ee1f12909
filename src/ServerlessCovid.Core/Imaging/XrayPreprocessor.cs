using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// The one implementation of the paper's preprocessing (<see cref="Preprocessing.RgbStretchUnit256"/>) shared by
/// serving, the CLI and training, so they cannot drift: any supported image → RGB, 256×256 stretched (aspect ratio
/// ignored), values / 255, NCHW float32, written straight into a caller-owned tensor slot.
/// </summary>
/// <remarks>
/// Hostile input is refused before any full decode (byte cap, format sniffing, <c>Identify</c> of the header,
/// pixel and side caps, an allocation ceiling in the decoder), and every failure is an
/// <see cref="ImageRejectedException"/> with a stable code. Grayscale PNG and JPEG sources (most x-rays) decode
/// as one 8-bit channel, are resized once and copied to the three channels: the same numbers as decoding to RGB,
/// at a third of the work; 8-bit greyscale PNGs (the usual x-ray export) skip ImageSharp's decoder altogether
/// (<see cref="PngGrayscaleFastPath"/>). Alpha is dropped, not composited, as PIL's <c>convert("RGB")</c> does.
/// Thread-safe: one instance serves concurrent calls.
/// </remarks>
public sealed class XrayPreprocessor
{
    private const int Plane = Preprocessing.Size * Preprocessing.Size;

    /// <summary>Uploads at least this large are hashed on a thread of their own while they decode.</summary>
    private const int ConcurrentHashMinimumBytes = 1 << 20;

    private readonly ImageInputOptions _options;
    private readonly HardenedImageDecoder _decoder;
    private readonly DicomReader _dicom;
    private readonly bool _pngFastPath;
    private readonly bool _greyJpegAsRgb;

    public XrayPreprocessor(IOptions<ImageInputOptions> options)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    public XrayPreprocessor(ImageInputOptions options)
        : this(options, pngFastPath: true)
    {
    }

    /// <summary>
    /// Tests and <c>covid bench infer</c> turn the fast paths off to compare them with ImageSharp's decoder: the PNG
    /// fast path, and grey JPEGs decoded as <c>Rgb24</c> (one channel read) instead of ImageSharp's slower <c>L8</c>.
    /// </summary>
    internal XrayPreprocessor(ImageInputOptions options, bool pngFastPath, TimeProvider? time = null, bool greyJpegAsRgb = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _decoder = new HardenedImageDecoder(options, time);
        _dicom = new DicomReader(options, _decoder);
        _pngFastPath = pngFastPath;
        _greyJpegAsRgb = greyJpegAsRgb;
    }

    /// <summary>A preprocessor with the default <see cref="ImageInputOptions"/> limits (training, tools, tests).</summary>
    public static XrayPreprocessor Default { get; } = new(new ImageInputOptions());

    /// <summary>Values one image occupies in an NCHW batch: 3 × 256 × 256.</summary>
    public static int TensorLength => Preprocessing.ValuesPerImage;

    public static string PreprocessingId => Preprocessing.RgbStretchUnit256;

    /// <summary>Decodes <paramref name="image"/> and writes its 3×256×256 tensor into the start of <paramref name="destination"/>.</summary>
    /// <remarks>
    /// The decode runs under <c>Imaging:MaxDecodeSeconds</c> and <paramref name="cancellationToken"/>, and its live
    /// decoder buffers under <see cref="DecodeMemory"/>'s bound of the declared size.
    /// </remarks>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image, or decoding them exceeded the budget.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public PreprocessedImage LoadTensor(ReadOnlySpan<byte> image, Span<float> destination, CancellationToken cancellationToken = default) =>
        LoadTensor(image, destination, contentSha256: null, cancellationToken);

    /// <summary>
    /// As above, for a caller that has already hashed the upload: <paramref name="contentSha256"/> (lower-case hex
    /// SHA-256 of exactly <paramref name="image"/>) is recorded as the result's <c>ContentSha256</c> as given,
    /// so the bytes are hashed once. When it is null the hash is computed here, for large uploads on a thread of
    /// its own while the image decodes, so it does not add to the latency.
    /// </summary>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image, or decoding them exceeded the budget.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public PreprocessedImage LoadTensor(
        ReadOnlySpan<byte> image, Span<float> destination, string? contentSha256, CancellationToken cancellationToken = default)
    {
        CheckDestination(destination);
        CheckLength(image.Length, "The upload");
        return contentSha256 is not null
            ? Decode(image, null, destination, contentSha256, cancellationToken)
            : DecodeWhileHashing(image, destination, cancellationToken);
    }

    /// <summary>Reads an image file and writes its tensor into <paramref name="destination"/> (training and tools).</summary>
    /// <exception cref="ImageRejectedException">The file is not a usable image.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public PreprocessedImage LoadTensor(string path, Span<float> destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckDestination(destination);
        long length = new FileInfo(path).Length;
        CheckLength(length, $"'{path}'");
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            using (FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan))
            {
                file.ReadExactly(buffer, 0, (int)length);
            }

            // ImageSharp may rewrite this buffer in place (PNG chunks), so it is hashed before, not during, the decode.
            ReadOnlySpan<byte> image = buffer.AsSpan(0, (int)length);
            return Decode(image, buffer, destination, ModelPackage.Sha256Hex(image), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Convenience for one image: a fresh 3×256×256 tensor.</summary>
    public float[] LoadTensor(ReadOnlySpan<byte> image)
    {
        float[] tensor = new float[Preprocessing.ValuesPerImage];
        LoadTensor(image, tensor);
        return tensor;
    }

    /// <summary>
    /// Hashes <paramref name="image"/> concurrently with its decode. The bytes stay pinned, and this method does not
    /// return (or throw) before the hashing thread has finished reading them.
    /// </summary>
    private unsafe PreprocessedImage DecodeWhileHashing(ReadOnlySpan<byte> image, Span<float> destination, CancellationToken cancellationToken)
    {
        if (image.Length < ConcurrentHashMinimumBytes || Environment.ProcessorCount < 2)
        {
            return Decode(image, null, destination, ModelPackage.Sha256Hex(image), cancellationToken);
        }

        fixed (byte* pinned = image)
        {
            nint address = (nint)pinned;
            int length = image.Length;

            // A dedicated thread, as for the PNG inflate pipeline: batch decoding blocks pool threads on this.
            Task<string> hashing = Task.Factory.StartNew(
                () => ModelPackage.Sha256Hex(new ReadOnlySpan<byte>((void*)address, length)),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            PreprocessedImage prepared;
            try
            {
                prepared = Decode(image, null, destination, string.Empty, cancellationToken);
            }
            catch
            {
                Task.WaitAny([hashing], CancellationToken.None); // the caller may free the bytes once we return; the hash itself no longer matters
                throw;
            }

            return prepared with { Image = prepared.Image with { ContentSha256 = hashing.GetAwaiter().GetResult() } };
        }
    }

    /// <summary>
    /// DICOM and greyscale PNGs (8- or 16-bit) are decoded from the caller's bytes where they lie; every other image
    /// goes to ImageSharp from a private copy (which sanitises PNG chunks in place), or from <paramref name="owned"/>
    /// when the caller's buffer is ours to change.
    /// </summary>
    private PreprocessedImage Decode(
        ReadOnlySpan<byte> image, byte[]? owned, Span<float> destination, string sha256, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        DecodeBudget budget = _decoder.CreateBudget(image.Length, cancellationToken);
        if (DicomReader.IsPart10(image) || DicomReader.MayBeRawDataset(image))
        {
            return ProcessDicom(image, destination, started, sha256, budget);
        }

        if (_pngFastPath && PngGrayscaleFastPath.TryReadHeader(image, out int declaredWidth, out int declaredHeight, out _))
        {
            _decoder.CheckDimensions(declaredWidth, declaredHeight);
            if (PngGrayscaleFastPath.TryDecode(image, out byte[]? rows, out int width, out int height, out int stride))
            {
                try
                {
                    long decoded = Stopwatch.GetTimestamp();
                    StretchResampler.Resize(rows!.AsSpan(1), width, height, 1, stride, destination, Preprocessing.Size);
                    ReplicateGrey(destination);
                    long done = Stopwatch.GetTimestamp();
                    return new PreprocessedImage(
                        new ImageInfo("png", width, height, image.Length, sha256),
                        true,
                        Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds,
                        Stopwatch.GetElapsedTime(decoded, done).TotalMilliseconds)
                    {
                        PeakDecodeBytes = (long)stride * height,
                    };
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rows!);
                }
            }
        }

        if (owned is not null)
        {
            return Process(owned, image.Length, destination, started, sha256, budget);
        }

        // ImageSharp 2.1 identifies only from arrays and streams; one pooled copy serves both identify and decode.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(image.Length);
        try
        {
            image.CopyTo(buffer);
            return Process(buffer, image.Length, destination, started, sha256, budget);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private PreprocessedImage Process(
        byte[] buffer, int length, Span<float> destination, long started, string sha256, DecodeBudget budget)
    {
        int fileLength = length;
        (IImageFormat format, IImageInfo info) = _decoder.Identify(buffer, ref length, budget);
        bool grayscale = IsGrayscale(format, info);
        if (format is PngFormat)
        {
            _decoder.CheckPngComplete(buffer.AsSpan(0, length), budget);
        }

        if (grayscale && _greyJpegAsRgb && format is JpegFormat)
        {
            // ImageSharp 2.1 converts luminance to L8 through a generic per-pixel path; its Rgb24 conversion is
            // vectorised and measured faster even with three bytes per pixel, and R = G = B for a grey JPEG.
            return DecodeAndResize<Rgb24>(buffer, length, format, 1, destination, started, sha256, fileLength, budget);
        }

        return grayscale
            ? DecodeAndResize<L8>(buffer, length, format, 1, destination, started, sha256, fileLength, budget)
            : DecodeAndResize<Rgb24>(buffer, length, format, 3, destination, started, sha256, fileLength, budget);
    }

    /// <summary>DICOM: the C.11 display pipeline to 8 bits (<see cref="DicomReader"/>), then the same resize as every image.</summary>
    private PreprocessedImage ProcessDicom(ReadOnlySpan<byte> file, Span<float> destination, long started, string sha256, DecodeBudget budget)
    {
        int length = file.Length;
        using DicomImage image = _dicom.Read(file, budget);
        long decoded = Stopwatch.GetTimestamp();
        StretchResampler.Resize(image.Pixels, image.Width, image.Height, image.Channels, destination, Preprocessing.Size);
        if (image.Channels == 1)
        {
            ReplicateGrey(destination);
        }

        long done = Stopwatch.GetTimestamp();
        return new PreprocessedImage(
            new ImageInfo("dicom", image.Width, image.Height, length, sha256),
            image.Channels == 1,
            Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds,
            Stopwatch.GetElapsedTime(decoded, done).TotalMilliseconds)
        {
            PeakDecodeBytes = budget.PeakBytes,
            DecodeLimitBytes = budget.LimitBytes,
            Dicom = image.Info,
        };
    }

    private PreprocessedImage DecodeAndResize<TPixel>(
        byte[] buffer, int length, IImageFormat format, int channels, Span<float> destination, long started, string sha256,
        int fileLength, DecodeBudget budget)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using Image<TPixel> image = _decoder.Decode<TPixel>(buffer, length, format, budget);
        ApplyExifOrientation(image);
        long decoded = Stopwatch.GetTimestamp();

        Resize(image, channels, destination);
        if (channels == 1)
        {
            ReplicateGrey(destination);
        }

        long done = Stopwatch.GetTimestamp();
        ImageInfo info = new(FormatName(format), image.Width, image.Height, fileLength, sha256);
        return new PreprocessedImage(
            info,
            channels == 1,
            Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds,
            Stopwatch.GetElapsedTime(decoded, done).TotalMilliseconds)
        {
            PeakDecodeBytes = budget.PeakBytes,
            DecodeLimitBytes = budget.LimitBytes,
        };
    }

    /// <summary>Resizes the first <paramref name="channels"/> channels of each pixel (all of them unless a grey image was decoded as RGB).</summary>
    private static void Resize<TPixel>(Image<TPixel> image, int channels, Span<float> destination)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        int pixelBytes = System.Runtime.CompilerServices.Unsafe.SizeOf<TPixel>();
        if (image.DangerousTryGetSinglePixelMemory(out Memory<TPixel> pixels))
        {
            StretchResampler.Resize(
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.Span),
                image.Width, image.Height, channels, image.Width * pixelBytes, pixelBytes, destination, Preprocessing.Size);
            return;
        }

        // Only when the allocator could not give one block (PreferContiguousImageBuffers asks it to).
        int byteCount = image.Width * image.Height * pixelBytes;
        byte[] copy = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            image.CopyPixelDataTo(copy.AsSpan(0, byteCount));
            StretchResampler.Resize(
                copy.AsSpan(0, byteCount), image.Width, image.Height, channels, image.Width * pixelBytes, pixelBytes, destination, Preprocessing.Size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static void ReplicateGrey(Span<float> destination)
    {
        Span<float> red = destination[..Plane];
        red.CopyTo(destination.Slice(Plane, Plane));
        red.CopyTo(destination.Slice(2 * Plane, Plane));
    }

    /// <summary>Orientation 1 (or none) is by far the common case; only rotate or flip when the EXIF tag says so.</summary>
    private static void ApplyExifOrientation<TPixel>(Image<TPixel> image)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        IExifValue<ushort>? orientation = image.Metadata.ExifProfile?.GetValue(ExifTag.Orientation);
        if (orientation is not null && orientation.Value is > 1 and <= 8)
        {
            image.Mutate(x => x.AutoOrient());
        }
    }

    /// <summary>
    /// Sources whose header says one channel (PNG grayscale, JPEG luminance) take the fast path. Anything else,
    /// including palettes that happen to be grey, takes the RGB path, which is always correct.
    /// </summary>
    private static bool IsGrayscale(IImageFormat format, IImageInfo info)
    {
        if (format is PngFormat)
        {
            return info.Metadata.GetPngMetadata().ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha;
        }

        if (format is JpegFormat)
        {
            return info.Metadata.GetJpegMetadata().ColorType == JpegColorType.Luminance;
        }

        return false;
    }

    internal static string FormatName(IImageFormat format) => format.Name.ToUpperInvariant() switch
    {
        "PNG" => "png",
        "JPEG" => "jpeg",
        "BMP" => "bmp",
        "GIF" => "gif",
        "TIFF" => "tiff",
        "WEBP" => "webp",
        _ => format.Name,
    };

    private void CheckLength(long length, string what)
    {
        if (length == 0)
        {
            throw new ImageRejectedException(ImageErrorCodes.Empty, $"{what} is empty (0 bytes).");
        }

        if (length > _options.MaxBytes)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.TooLarge,
                $"The upload is {length:N0} bytes; the limit is {_options.MaxBytes:N0} bytes (Imaging:MaxBytes).");
        }
    }

    private static void CheckDestination(Span<float> destination)
    {
        if (destination.Length < Preprocessing.ValuesPerImage)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} values; one image needs {Preprocessing.ValuesPerImage} (3×256×256).",
                nameof(destination));
        }
    }
}
