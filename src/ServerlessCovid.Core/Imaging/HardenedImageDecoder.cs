using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// ImageSharp behind a wall: a private <see cref="Configuration"/> that knows only the six formats we accept, decodes
/// only the first frame of GIF and TIFF, and cannot allocate a buffer larger than the pixel cap implies. Each image
/// is decoded under a <see cref="DecodeBudget"/> (time, caller's token, memory of <see cref="DecodeMemory"/>) after
/// <see cref="ImagePreScan"/> has checked its container. Every ImageSharp failure comes out as an
/// <see cref="ImageRejectedException"/>.
/// </summary>
internal sealed class HardenedImageDecoder
{
    private const string Accepted = "PNG, JPEG, BMP, GIF, TIFF, WebP or DICOM";

    private readonly ImageInputOptions _options;
    private readonly TimeProvider _time;
    private readonly Configuration _configuration;
    private readonly MemoryAllocator _allocator;

    public HardenedImageDecoder(ImageInputOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _allocator = MemoryAllocator.Create(new MemoryAllocatorOptions
        {
            AllocationLimitMegabytes = AllocationLimitMegabytes,
        });
        _configuration = CreateConfiguration();
    }

    /// <summary>Largest single buffer a decoder may ask for, derived from the pixel cap (4 bytes per pixel plus slack).</summary>
    public int AllocationLimitMegabytes => (int)Math.Min(int.MaxValue, (_options.MaxPixels * 4 / (1024 * 1024)) + 64);

    /// <summary>
    /// A fresh budget for one image of <paramref name="fileBytes"/>: <c>Imaging:MaxDecodeSeconds</c> from now, the
    /// caller's token, and a memory ceiling for header reading that <see cref="Identify"/> raises to
    /// <see cref="DecodeMemory.LimitBytes"/> of the declared size.
    /// </summary>
    public DecodeBudget CreateBudget(long fileBytes, CancellationToken cancellationToken) => new(
        _time, TimeSpan.FromSeconds(_options.MaxDecodeSeconds), DecodeMemory.HeaderLimitBytes(fileBytes), cancellationToken);

    /// <summary>
    /// Sniffs the format, pre-scans the container (<see cref="ImagePreScan"/>: PNG ancillary chunks removed in
    /// place, JPEG scans counted, BMP/GIF/TIFF/WebP data checked for completeness) and reads only the header;
    /// refuses unknown formats and out-of-range dimensions. <paramref name="length"/> may shrink (PNG chunks removed).
    /// </summary>
    public (IImageFormat Format, IImageInfo Info) Identify(byte[] buffer, ref int length, DecodeBudget budget)
    {
        IImageFormat? format = Image.DetectFormat(_configuration, buffer.AsSpan(0, length));
        if (format is null)
        {
            throw new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, DescribeUnknown(buffer.AsSpan(0, length)));
        }

        if (format is PngFormat)
        {
            length = ImagePreScan.SanitizePng(buffer.AsSpan(0, length));
        }

        IImageInfo? info;
        try
        {
            using MemoryStream memory = new(buffer, 0, length, writable: false);
            using BudgetedStream stream = new(memory, budget);
            info = Image.Identify(For(budget), stream, out _);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || budget.ExceededReason is not null)
        {
            throw Map(ex, format, budget);
        }

        if (info is null)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.Corrupt, $"The {XrayPreprocessor.FormatName(format)} header cannot be read.");
        }

        CheckDimensions(info.Width, info.Height);
        budget.LimitBytes = DecodeMemory.LimitBytes(info.Width, info.Height, length);
        CheckContainer(buffer.AsSpan(0, length), format, budget);
        return (format, info);
    }

    /// <summary>
    /// ImageSharp renders missing data as blank (or grey) pixels; a triage score of half an x-ray must not happen.
    /// Every format but PNG is checked here; PNG's image data is inflated only by <see cref="CheckPngComplete"/>,
    /// which the 8-bit greyscale fast path (which detects truncation itself) does not need.
    /// </summary>
    private void CheckContainer(ReadOnlySpan<byte> bytes, IImageFormat format, DecodeBudget budget)
    {
        try
        {
            switch (format)
            {
                case JpegFormat:
                    ImagePreScan.CheckJpeg(bytes, _options.MaxJpegScans, budget);
                    break;
                case BmpFormat:
                    ImagePreScan.CheckBmp(bytes);
                    break;
                case GifFormat:
                    ImagePreScan.CheckGif(bytes, budget);
                    break;
                case TiffFormat:
                    ImagePreScan.CheckTiff(bytes, budget);
                    break;
                case WebpFormat:
                    ImagePreScan.CheckWebp(bytes);
                    WebpChunks.RefuseUnlessAccepted(_options);
                    break;
                default:
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || budget.ExceededReason is not null)
        {
            throw Map(ex, format, budget);
        }
    }

    /// <summary>Inflates a PNG's image data (counting, not keeping it) and refuses it when it ends early.</summary>
    public void CheckPngComplete(ReadOnlySpan<byte> png, DecodeBudget budget)
    {
        try
        {
            ImagePreScan.CheckPngComplete(png, budget);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || budget.ExceededReason is not null)
        {
            throw Map(ex, PngFormat.Instance, budget);
        }
    }

    public Image<TPixel> Decode<TPixel>(byte[] buffer, int length, IImageFormat format, DecodeBudget budget)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        try
        {
            using MemoryStream memory = new(buffer, 0, length, writable: false);
            using BudgetedStream stream = new(memory, budget);
            return Image.Load<TPixel>(For(budget), stream);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || budget.ExceededReason is not null)
        {
            throw Map(ex, format, budget);
        }
    }

    /// <summary>The shared configuration with an allocator that charges this image's budget.</summary>
    private Configuration For(DecodeBudget budget)
    {
        Configuration configuration = _configuration.Clone();
        configuration.MemoryAllocator = new BudgetedMemoryAllocator(
            _allocator, budget, (int)Math.Min(int.MaxValue, AllocationLimitMegabytes * 1024L * 1024));
        return configuration;
    }

    /// <summary>Refuses sides below <c>Imaging:MinSide</c> and sizes over <c>Imaging:MaxSide</c> or <c>Imaging:MaxPixels</c>.</summary>
    public void CheckDimensions(int width, int height)
    {
        long pixels = (long)width * height;
        if (width < _options.MinSide || height < _options.MinSide)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.DimensionsOutOfRange,
                $"The image is {width}×{height}; each side must be at least {_options.MinSide} pixels (Imaging:MinSide).");
        }

        if (width > _options.MaxSide || height > _options.MaxSide || pixels > _options.MaxPixels)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.DimensionsOutOfRange,
                $"The image declares {width}×{height} ({pixels:N0} pixels); the limits are {_options.MaxSide} per side "
                + $"and {_options.MaxPixels:N0} pixels (Imaging:MaxSide, Imaging:MaxPixels). Downscale it before uploading.");
        }
    }

    private ImageRejectedException Map(Exception ex, IImageFormat format, DecodeBudget budget)
    {
        string name = XrayPreprocessor.FormatName(format);
        if (budget.ExceededReason is not null)
        {
            return new ImageRejectedException(
                ImageErrorCodes.DecodeBudgetExceeded, $"The {name} was not decoded: {budget.ExceededReason}", ex);
        }

        return ex switch
        {
            ImageRejectedException rejected => rejected,
            InvalidMemoryOperationException => new ImageRejectedException(
                ImageErrorCodes.TooLarge,
                $"Decoding this {name} would need a buffer over the {AllocationLimitMegabytes} MB limit.",
                ex),
            UnknownImageFormatException => new ImageRejectedException(
                ImageErrorCodes.UnsupportedFormat, $"The {name} variant is not supported: {ex.Message}", ex),
            NotSupportedException => new ImageRejectedException(
                ImageErrorCodes.UnsupportedFormat, $"This {name} uses a feature the decoder does not support: {ex.Message}", ex),
            _ => new ImageRejectedException(
                ImageErrorCodes.Corrupt, $"The {name} data is damaged or truncated and cannot be decoded: {ex.Message}", ex),
        };
    }

    private static string DescribeUnknown(ReadOnlySpan<byte> bytes)
    {
        bool text = true;
        foreach (byte b in bytes[..Math.Min(bytes.Length, 512)])
        {
            if (b < 0x09 || (b > 0x0D && b < 0x20 && b != 0x1B))
            {
                text = false;
                break;
            }
        }

        return text
            ? $"The upload looks like text, not an image (accepted: {Accepted})."
            : $"The upload is not a recognised image; its first bytes match none of {Accepted}.";
    }

    private Configuration CreateConfiguration()
    {
        Configuration configuration = new(
            new PngConfigurationModule(),
            new JpegConfigurationModule(),
            new BmpConfigurationModule(),
            new GifConfigurationModule(),
            new TiffConfigurationModule(),
            new WebpConfigurationModule())
        {
            // One block per image lets the resampler read rows straight from the decoder's buffer.
            PreferContiguousImageBuffers = true,
            MemoryAllocator = _allocator,
        };

        // Animations and multi-page scans: the first frame is the image; later frames would only cost memory.
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
