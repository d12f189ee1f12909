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
/// only the first frame of GIF and TIFF, and cannot allocate a buffer larger than the pixel cap implies. Every
/// ImageSharp failure comes out as an <see cref="ImageRejectedException"/>.
/// </summary>
internal sealed class HardenedImageDecoder
{
    private const string Accepted = "PNG, JPEG, BMP, GIF, TIFF or WebP";

    private readonly ImageInputOptions _options;
    private readonly Configuration _configuration;

    public HardenedImageDecoder(ImageInputOptions options)
    {
        _options = options;
        _configuration = CreateConfiguration();
    }

    /// <summary>Largest single buffer a decoder may ask for, derived from the pixel cap (4 bytes per pixel plus slack).</summary>
    public int AllocationLimitMegabytes => (int)Math.Min(int.MaxValue, (_options.MaxPixels * 4 / (1024 * 1024)) + 64);

    /// <summary>Sniffs the format and reads only the header; refuses unknown formats and out-of-range dimensions.</summary>
    public (IImageFormat Format, IImageInfo Info) Identify(ReadOnlySpan<byte> bytes, Stream stream)
    {
        IImageFormat? format = Image.DetectFormat(_configuration, bytes);
        if (format is null)
        {
            throw new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, DescribeUnknown(bytes));
        }

        IImageInfo? info;
        try
        {
            info = Image.Identify(_configuration, stream, out _);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Map(ex, format);
        }

        if (info is null)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.Corrupt, $"The {XrayPreprocessor.FormatName(format)} header cannot be read.");
        }

        CheckDimensions(info.Width, info.Height);
        CheckComplete(bytes, format);
        return (format, info);
    }

    /// <summary>
    /// ImageSharp renders a truncated JPEG as if complete, filling the missing part with grey; a triage score of
    /// half an x-ray must not happen. Entropy-coded data can never contain FF D9 (a data FF is always followed by
    /// 00 or a restart marker), so an end-of-image marker after the last start-of-scan proves the scan finished.
    /// </summary>
    private static void CheckComplete(ReadOnlySpan<byte> bytes, IImageFormat format)
    {
        if (format is not JpegFormat)
        {
            return;
        }

        int lastScan = bytes.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        if (lastScan < 0 || bytes[lastScan..].IndexOf([(byte)0xFF, (byte)0xD9]) < 0)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.Corrupt,
                "The jpeg is truncated: its image data ends before the end-of-image marker. Upload the complete file.");
        }
    }

    public Image<TPixel> Decode<TPixel>(Stream stream, IImageFormat format)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        try
        {
            return Image.Load<TPixel>(_configuration, stream);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Map(ex, format);
        }
    }

    private void CheckDimensions(int width, int height)
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

    private ImageRejectedException Map(Exception ex, IImageFormat format)
    {
        string name = XrayPreprocessor.FormatName(format);
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
        bool dicom = bytes.Length >= 132 && bytes.Slice(128, 4).SequenceEqual("DICM"u8);
        if (dicom)
        {
            return $"This is a DICOM file; export the image as PNG or JPEG first (accepted: {Accepted}).";
        }

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
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = AllocationLimitMegabytes,
            }),
        };

        // Animations and multi-page scans: the first frame is the image; later frames would only cost memory.
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
