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

    private readonly ImageInputOptions _options;
    private readonly HardenedImageDecoder _decoder;
    private readonly DicomReader _dicom;
    private readonly bool _pngFastPath;

    public XrayPreprocessor(IOptions<ImageInputOptions> options)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    public XrayPreprocessor(ImageInputOptions options)
        : this(options, pngFastPath: true)
    {
    }

    /// <summary>Tests turn the PNG fast path off to compare it with ImageSharp's decoder.</summary>
    internal XrayPreprocessor(ImageInputOptions options, bool pngFastPath, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _decoder = new HardenedImageDecoder(options, time);
        _dicom = new DicomReader(options, _decoder);
        _pngFastPath = pngFastPath;
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
    public PreprocessedImage LoadTensor(ReadOnlySpan<byte> image, Span<float> destination, CancellationToken cancellationToken = default)
    {
        CheckDestination(destination);
        if (image.IsEmpty)
        {
            throw new ImageRejectedException(ImageErrorCodes.Empty, "The upload is empty (0 bytes).");
        }

        if (image.Length > _options.MaxBytes)
        {
            throw TooLarge(image.Length);
        }

        // ImageSharp 2.1 identifies only from arrays and streams; one pooled copy serves both identify and decode.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(image.Length);
        try
        {
            image.CopyTo(buffer);
            return Process(buffer, image.Length, destination, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads an image file and writes its tensor into <paramref name="destination"/> (training and tools).</summary>
    /// <exception cref="ImageRejectedException">The file is not a usable image.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public PreprocessedImage LoadTensor(string path, Span<float> destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckDestination(destination);
        long length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new ImageRejectedException(ImageErrorCodes.Empty, $"'{path}' is empty (0 bytes).");
        }

        if (length > _options.MaxBytes)
        {
            throw TooLarge(length);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            using (FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan))
            {
                file.ReadExactly(buffer, 0, (int)length);
            }

            return Process(buffer, (int)length, destination, cancellationToken);
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

    private PreprocessedImage Process(byte[] buffer, int length, Span<float> destination, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        string sha256 = ModelPackage.Sha256Hex(buffer.AsSpan(0, length));
        int fileLength = length;
        DecodeBudget budget = _decoder.CreateBudget(length, cancellationToken);
        if (DicomReader.IsPart10(buffer.AsSpan(0, length)) || DicomReader.MayBeRawDataset(buffer.AsSpan(0, length)))
        {
            return ProcessDicom(buffer, length, destination, started, sha256, budget);
        }

        (IImageFormat format, IImageInfo info) = _decoder.Identify(buffer, ref length, budget);
        bool grayscale = IsGrayscale(format, info);
        if (grayscale && _pngFastPath && format is PngFormat
            && PngGrayscaleFastPath.TryDecode(buffer.AsSpan(0, length), out byte[]? rows, out int width, out int height))
        {
            try
            {
                long decoded = Stopwatch.GetTimestamp();
                StretchResampler.Resize(rows!.AsSpan(1), width, height, 1, width + 1, destination, Preprocessing.Size);
                ReplicateGrey(destination);
                long done = Stopwatch.GetTimestamp();
                return new PreprocessedImage(
                    new ImageInfo("png", width, height, fileLength, sha256),
                    true,
                    Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds,
                    Stopwatch.GetElapsedTime(decoded, done).TotalMilliseconds)
                {
                    PeakDecodeBytes = (long)(width + 1) * height,
                };
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rows!);
            }
        }

        if (format is PngFormat)
        {
            _decoder.CheckPngComplete(buffer.AsSpan(0, length), budget);
        }

        return grayscale
            ? DecodeAndResize<L8>(buffer, length, format, 1, destination, started, sha256, fileLength, budget)
            : DecodeAndResize<Rgb24>(buffer, length, format, 3, destination, started, sha256, fileLength, budget);
    }

    /// <summary>DICOM: the C.11 display pipeline to 8 bits (<see cref="DicomReader"/>), then the same resize as every image.</summary>
    private PreprocessedImage ProcessDicom(byte[] buffer, int length, Span<float> destination, long started, string sha256, DecodeBudget budget)
    {
        using DicomImage image = _dicom.Read(buffer, length, budget);
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

    private static void Resize<TPixel>(Image<TPixel> image, int channels, Span<float> destination)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        if (image.DangerousTryGetSinglePixelMemory(out Memory<TPixel> pixels))
        {
            StretchResampler.Resize(
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.Span),
                image.Width, image.Height, channels, destination, Preprocessing.Size);
            return;
        }

        // Only when the allocator could not give one block (PreferContiguousImageBuffers asks it to).
        int byteCount = image.Width * image.Height * channels;
        byte[] copy = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            image.CopyPixelDataTo(copy.AsSpan(0, byteCount));
            StretchResampler.Resize(copy.AsSpan(0, byteCount), image.Width, image.Height, channels, destination, Preprocessing.Size);
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

    private ImageRejectedException TooLarge(long length) => new(
        ImageErrorCodes.TooLarge,
        $"The upload is {length:N0} bytes; the limit is {_options.MaxBytes:N0} bytes (Imaging:MaxBytes).");

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
