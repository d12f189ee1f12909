using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// Reads a DICOM Part 10 file (PS3.10 §7: 128-byte preamble, <c>DICM</c>, group 0002 in explicit VR LE), or a bare
/// dataset when it parses cleanly, and renders its first frame through <see cref="DicomPixelPipeline"/> into an
/// 8-bit display image. All work runs under the image's <see cref="DecodeBudget"/>: time, cancellation, and the
/// memory of <see cref="DecodeMemory"/> for the declared size (plus, for Deflated datasets, the inflated bytes).
/// </summary>
internal sealed class DicomReader(ImageInputOptions options, HardenedImageDecoder decoder)
{
    private const int PreambleLength = 128;

    public static bool IsPart10(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= PreambleLength + 4 && bytes.Slice(PreambleLength, 4).SequenceEqual("DICM"u8);

    /// <summary>
    /// Without the preamble, only a dataset starting with group 0002 or 0008 (as every image's first attributes are)
    /// is tried; no accepted image format starts with those bytes.
    /// </summary>
    public static bool MayBeRawDataset(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(bytes) is 0x0002 or 0x0008;

    /// <exception cref="ImageRejectedException">The file is not a usable DICOM image, or reading it exceeded the budget.</exception>
    public DicomImage Read(byte[] buffer, int length, DecodeBudget budget) => Read(buffer.AsSpan(0, length), budget);

    /// <summary>
    /// Reads straight from the caller's bytes: native (uncompressed) pixel data is rendered from where it lies, so an
    /// uncompressed upload is neither copied nor inflated.
    /// </summary>
    /// <exception cref="ImageRejectedException">The file is not a usable DICOM image, or reading it exceeded the budget.</exception>
    public DicomImage Read(ReadOnlySpan<byte> file, DecodeBudget budget)
    {
        try
        {
            return ReadCore(file, budget);
        }
        catch (DecodeBudgetExceededException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.DecodeBudgetExceeded, $"The DICOM was not decoded: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not (ImageRejectedException or OperationCanceledException))
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"The DICOM data is damaged and cannot be decoded: {ex.Message}", ex);
        }
    }

    private DicomImage ReadCore(ReadOnlySpan<byte> file, DecodeBudget budget)
    {
        int length = file.Length;
        bool part10 = IsPart10(file);
        DicomDataset meta = new();
        int start;
        DicomTransferSyntax syntax;
        try
        {
            start = part10 || BinaryPrimitives.ReadUInt16LittleEndian(file) == 0x0002
                ? DicomDatasetParser.ReadMeta(file, part10 ? PreambleLength + 4 : 0, meta, budget)
                : 0;
            string? uid = meta.Text(file, DicomTags.TransferSyntaxUid);
            if (uid is null && part10)
            {
                throw DicomErrors.Corrupt("the file meta information has no Transfer Syntax UID (0002,0010)");
            }

            // A bare dataset says nothing about its encoding: a VR after the first tag means explicit VR (PS3.5 §7.1).
            syntax = uid is not null ? DicomTransferSyntax.Find(uid)
                : start + 6 <= length && IsUpper(file[start + 4]) && IsUpper(file[start + 5]) ? DicomTransferSyntax.ExplicitVrLittleEndian
                : DicomTransferSyntax.ImplicitVrLittleEndian;
            if (!syntax.Deflated)
            {
                return Render(file, start, syntax, strict: !part10, length, budget);
            }
        }
        catch (ImageRejectedException ex) when (!part10 && ex.Code == ImageErrorCodes.Corrupt)
        {
            throw new ImageRejectedException(
                ImageErrorCodes.UnsupportedFormat,
                "The upload has no DICOM Part 10 header ('DICM' at byte 128) and does not parse as a bare DICOM dataset "
                + $"({ex.Reason}). Send the Part 10 file as the modality wrote it, or a PNG/JPEG export.",
                ex);
        }

        (byte[] inflated, int inflatedLength) = Inflate(file[start..], budget);
        try
        {
            return Render(inflated.AsSpan(0, inflatedLength), 0, syntax, strict: false, length, budget);
        }
        finally
        {
            Return(inflated, budget);
        }
    }

    private DicomImage Render(ReadOnlySpan<byte> data, int start, DicomTransferSyntax syntax, bool strict, int fileLength, DecodeBudget budget)
    {
        DicomDataset dataset = new DicomDatasetParser(data, syntax.ExplicitVr, strict, budget).Parse(start);
        if (!dataset.HasPixelData)
        {
            throw DicomErrors.Corrupt("it has no Pixel Data (7FE0,0010); it is not an image");
        }

        DicomPixelModule module = DicomPixelModule.Read(data, dataset, syntax);
        decoder.CheckDimensions(module.Columns, module.Rows);
        budget.LimitBytes = DecodeMemory.LimitBytes(module.Columns, module.Rows, fileLength) + budget.LiveBytes;

        DicomInfo info = new(
            DicomCodeString.Sanitise(dataset.Text(data, DicomTags.Modality)),
            DicomCodeString.Sanitise(dataset.Text(data, DicomTags.ViewPosition)),
            dataset.Text(data, DicomTags.PhotometricInterpretation)!,
            syntax.Uid,
            syntax.Name,
            module.BitsStored,
            module.Frames)
        {
            SopInstanceUid = dataset.Text(data, DicomTags.SopInstanceUid),
        };

        if (syntax.Encoding == DicomPixelEncoding.Native)
        {
            if (dataset.NativePixelData is not { } native)
            {
                throw DicomErrors.Corrupt($"its pixel data is encapsulated, which {syntax.Name} does not allow");
            }

            DicomRange frame = DicomFrames.FirstNative(native, module);
            return Display(data.Slice(frame.Offset, frame.Length), module, info, budget);
        }

        if (dataset.PixelItems is null)
        {
            throw DicomErrors.Corrupt($"its pixel data is not encapsulated, which {syntax.Name} requires");
        }

        List<DicomRange> fragments = DicomFrames.FirstEncapsulated(data, dataset, module, syntax.Encoding);
        int compressedLength = fragments.Sum(f => f.Length);
        byte[] compressed = Rent(compressedLength, budget);
        try
        {
            int at = 0;
            foreach (DicomRange fragment in fragments)
            {
                data.Slice(fragment.Offset, fragment.Length).CopyTo(compressed.AsSpan(at));
                at += fragment.Length;
            }

            (byte[] decoded, DicomPixelModule layout) = DecodeFrame(compressed, compressedLength, module, syntax.Encoding, budget);
            try
            {
                return Display(decoded.AsSpan(0, (int)layout.FrameBytes), layout, info, budget);
            }
            finally
            {
                budget.Release(decoded.Length);
            }
        }
        finally
        {
            Return(compressed, budget);
        }
    }

    /// <summary>Decodes one compressed frame into native layout (samples interleaved, little endian).</summary>
    private (byte[] Frame, DicomPixelModule Layout) DecodeFrame(
        byte[] compressed, int length, DicomPixelModule module, DicomPixelEncoding encoding, DecodeBudget budget)
    {
        if (encoding == DicomPixelEncoding.JpegBaseline)
        {
            return DecodeJpegBaseline(compressed, length, module, budget);
        }

        budget.Reserve(module.FrameBytes);
        byte[] frame;
        try
        {
            ReadOnlySpan<byte> input = compressed.AsSpan(0, length);
            frame = encoding == DicomPixelEncoding.RleLossless
                ? RleLosslessDecoder.DecodeFrame(input, module.Rows, module.Columns, module.SamplesPerPixel, module.BitsAllocated, budget.CancellationToken)
                : JpegLosslessDecoder.DecodeFrame(input, module.Rows, module.Columns, module.SamplesPerPixel, module.BitsAllocated, budget.CancellationToken);
        }
        catch
        {
            budget.Release(module.FrameBytes);
            throw;
        }

        budget.Check();
        if (frame.Length < module.FrameBytes)
        {
            budget.Release(module.FrameBytes);
            throw DicomErrors.Corrupt($"the compressed frame decodes to {frame.Length:N0} bytes; {module.FrameBytes:N0} were declared");
        }

        budget.Release(module.FrameBytes);
        budget.Reserve(frame.Length);
        return (frame, module with { PlanarConfiguration = 0 });
    }

    /// <summary>JPEG Baseline fragments go through the same hardened ImageSharp path (pre-scan, caps, budget) as a .jpg.</summary>
    private (byte[] Frame, DicomPixelModule Layout) DecodeJpegBaseline(byte[] compressed, int length, DicomPixelModule module, DecodeBudget budget)
    {
        long limit = budget.LimitBytes;
        (SixLabors.ImageSharp.Formats.IImageFormat format, SixLabors.ImageSharp.IImageInfo jpeg) = decoder.Identify(compressed, ref length, budget);
        budget.LimitBytes = Math.Max(limit, budget.LimitBytes);
        if (format is not JpegFormat || jpeg.Width != module.Columns || jpeg.Height != module.Rows)
        {
            throw DicomErrors.Corrupt(
                $"its JPEG Baseline frame is a {XrayPreprocessor.FormatName(format)} of {jpeg.Width}×{jpeg.Height}, "
                + $"not the declared {module.Columns}×{module.Rows} JPEG");
        }

        DicomPixelModule layout = module with { BitsAllocated = 8, BitsStored = 8, HighBit = 7, Signed = false, PlanarConfiguration = 0 };
        byte[] frame = new byte[layout.FrameBytes];
        budget.Reserve(frame.Length);
        if (module.IsGrey)
        {
            using SixLabors.ImageSharp.Image<L8> image = decoder.Decode<L8>(compressed, length, format, budget);
            image.CopyPixelDataTo(frame);
        }
        else
        {
            using SixLabors.ImageSharp.Image<Rgb24> image = decoder.Decode<Rgb24>(compressed, length, format, budget);
            image.CopyPixelDataTo(frame);
        }

        return (frame, layout);
    }

    private static DicomImage Display(ReadOnlySpan<byte> frame, DicomPixelModule module, DicomInfo info, DecodeBudget budget)
    {
        int channels = module.SamplesPerPixel;
        byte[] display = Rent(module.Rows * module.Columns * channels, budget);
        try
        {
            DicomPixelPipeline.Render(frame, module, display, budget);
            return new DicomImage(display, module.Columns, module.Rows, channels, info);
        }
        catch
        {
            Return(display, budget);
            throw;
        }
    }

    /// <summary>
    /// Inflates a Deflated Explicit VR LE dataset (PS3.5 A.5: raw deflate after the meta group). The output is
    /// charged to the budget as it grows and may not exceed the largest dataset the pixel caps admit, so a
    /// deflate bomb stops at that size with <see cref="ImageErrorCodes.DecodeBudgetExceeded"/>.
    /// </summary>
    private (byte[] Buffer, int Length) Inflate(ReadOnlySpan<byte> deflated, DecodeBudget budget)
    {
        long cap = (6 * options.MaxPixels) + DecodeMemory.FixedBytes;
        budget.LimitBytes = Math.Max(budget.LimitBytes, budget.LiveBytes + cap);
        byte[] input = ArrayPool<byte>.Shared.Rent(deflated.Length);
        deflated.CopyTo(input);
        byte[] output = Rent((int)Math.Min(cap, Math.Max(64 * 1024, 4L * deflated.Length)), budget);
        try
        {
            using MemoryStream source = new(input, 0, deflated.Length, writable: false);
            using DeflateStream inflater = new(source, CompressionMode.Decompress);
            int total = 0;
            while (true)
            {
                if (total == output.Length)
                {
                    if (total >= cap)
                    {
                        throw new DecodeBudgetExceededException(
                            $"the Deflated dataset inflates past {cap / (1024.0 * 1024):0.#} MiB, more than an image within the pixel caps can hold");
                    }

                    byte[] larger = Rent((int)Math.Min(cap, 2L * output.Length), budget);
                    output.AsSpan(0, total).CopyTo(larger);
                    Return(output, budget);
                    output = larger;
                }

                budget.Check();
                int read = inflater.Read(output, total, Math.Min(output.Length - total, 1 << 20));
                if (read == 0)
                {
                    return (output, total);
                }

                total += read;
            }
        }
        catch (InvalidDataException ex)
        {
            Return(output, budget);
            throw DicomErrors.Corrupt($"its Deflated dataset is damaged ({ex.Message})");
        }
        catch
        {
            Return(output, budget);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    private static byte[] Rent(int length, DecodeBudget budget)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            budget.Reserve(buffer.Length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return buffer;
    }

    private static void Return(byte[] buffer, DecodeBudget budget)
    {
        budget.Release(buffer.Length);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private static bool IsUpper(byte b) => b is >= (byte)'A' and <= (byte)'Z';
}
