using System.IO.Compression;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Imaging;

/// <summary>
/// Issue 16: hostile files built here (no binaries committed). Each asserts a stable code and a bound through the
/// decode budget (its memory accounting or a clock the test controls), never wall-clock time.
/// </summary>
public sealed class HostileImageTests
{
    private static float[] Tensor() => new float[Preprocessing.ValuesPerImage];

    private static Image<Rgb24> ColourTexture(int width, int height)
    {
        using Image<L8> grey = TestImages.GreyTexture(width, height);
        Image<Rgb24> image = new(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                byte v = grey[x, y].PackedValue;
                image[x, y] = new Rgb24(v, (byte)(255 - v), (byte)((v * 7) + x));
            }
        }

        return image;
    }

    private static byte[] Zlib(long zeros)
    {
        using MemoryStream output = new();
        using (ZLibStream zlib = new(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            byte[] block = new byte[1 << 20];
            for (long written = 0; written < zeros; written += block.Length)
            {
                zlib.Write(block);
            }
        }

        return output.ToArray();
    }

    /// <summary>A compressed ancillary chunk that inflates to <paramref name="inflatedBytes"/> of zeros.</summary>
    private static byte[] PngWithBombChunk(string type, long inflatedBytes)
    {
        using Image<L8> image = TestImages.GreyTexture(64, 48);
        byte[] png = TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Rgb });
        byte[] compressed = Zlib(inflatedBytes);
        byte[] data = type switch
        {
            "zTXt" => [.. "Comment"u8, 0, 0, .. compressed],
            "iTXt" => [.. "Comment"u8, 0, 1, 0, 0, 0, .. compressed],
            _ => [.. "icc"u8, 0, 0, .. compressed], // iCCP
        };
        return TestImages.InsertChunkBeforeIend(png, type, data);
    }

    [Theory]
    [InlineData("zTXt")]
    [InlineData("iTXt")]
    [InlineData("iCCP")]
    public void LoadTensor_CompressedAncillaryChunkBomb_DecodesWithoutInflatingIt(string type)
    {
        // Arrange: 256 MiB of zeros behind a chunk of about 256 KB.
        byte[] bomb = PngWithBombChunk(type, 256L << 20);

        // Act
        PreprocessedImage prepared = XrayPreprocessor.Default.LoadTensor(bomb, Tensor());

        // Assert: scored as the 64×48 image it is, under the memory bound of its declared size.
        Assert.Equal(64, prepared.Image.Width);
        Assert.InRange(prepared.DecodeLimitBytes, 1, DecodeMemory.LimitBytes(64, 48, bomb.Length));
        Assert.InRange(prepared.PeakDecodeBytes, 1, prepared.DecodeLimitBytes);
        Assert.True(prepared.DecodeLimitBytes < 256L << 20, "the budget is far below what the chunk inflates to");
    }

    [Theory]
    [InlineData("zTXt")]
    [InlineData("iTXt")]
    [InlineData("iCCP")]
    [InlineData("prVt")]
    public void SanitizePng_AncillaryChunkOffTheAllowList_RemovedBeforeAnythingReadsIt(string type)
    {
        // Arrange
        using Image<L8> image = TestImages.GreyTexture(32, 32);
        byte[] png = TestImages.InsertChunkBeforeIend(TestImages.Encode(image, new PngEncoder()), type, [1, 2, 3, 4]);

        // Act
        int length = ImagePreScan.SanitizePng(png);

        // Assert
        Assert.Equal(-1, png.AsSpan(0, length).IndexOf(System.Text.Encoding.ASCII.GetBytes(type)));
        Assert.True(png.AsSpan(length - 8, 4).SequenceEqual("IEND"u8));
    }

    /// <summary>A progressive JPEG with its AC scan repeated so the file has <paramref name="scans"/> scans.</summary>
    private static byte[] JpegWithScans(int scans)
    {
        byte[] jpeg = ProgressiveJpeg.Encode(8, 8, (x, y) => (byte)(x * 20 + y));
        int ac = jpeg.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA]);
        byte[] acScan = jpeg[ac..^2];
        using MemoryStream output = new();
        output.Write(jpeg, 0, jpeg.Length - 2);
        for (int i = 2; i < scans; i++)
        {
            output.Write(acScan);
        }

        output.Write([0xFF, 0xD9]);
        return output.ToArray();
    }

    [Fact]
    public void LoadTensor_MoreJpegScansThanTheCap_DecodeBudgetExceeded()
    {
        // Arrange
        XrayPreprocessor preprocessor = new(new ImageInputOptions { MaxJpegScans = 10 });
        byte[] bomb = JpegWithScans(11);

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => preprocessor.LoadTensor(bomb, Tensor()));

        // Assert
        Assert.Equal(ImageErrorCodes.DecodeBudgetExceeded, error.Code);
        Assert.Contains("Imaging:MaxJpegScans", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadTensor_ProgressiveJpegWithinTheScanCap_Decodes()
    {
        // Arrange
        XrayPreprocessor preprocessor = new(new ImageInputOptions { MaxJpegScans = 2 });
        byte[] jpeg = JpegWithScans(2);

        // Act
        PreprocessedImage prepared = preprocessor.LoadTensor(jpeg, Tensor());

        // Assert
        Assert.Equal(64, prepared.Image.Width);
    }

    /// <summary>A clock that moves one second every time it is read, so any decode with a few checks outlives a budget.</summary>
    private sealed class SteppingTimeProvider : TimeProvider
    {
        private long _ticks;

        public bool Stepping { get; set; } = true;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Stepping ? Interlocked.Add(ref _ticks, TimeSpan.TicksPerSecond) : Interlocked.Read(ref _ticks);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpeg")]
    [InlineData("bmp")]
    [InlineData("gif")]
    [InlineData("tiff")]
    [InlineData("webp")]
    public void LoadTensor_DecodeOutlivesItsTimeBudget_DecodeBudgetExceeded(string format)
    {
        // Arrange: each read of the clock costs a second, the budget is 3 s.
        XrayPreprocessor preprocessor = new(new ImageInputOptions { MaxDecodeSeconds = 3 }, pngFastPath: true, new SteppingTimeProvider());
        using Image<Rgb24> image = ColourTexture(512, 384);
        byte[] bytes = TestImages.Encode(image, Encoder(format));

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => preprocessor.LoadTensor(bytes, Tensor()));

        // Assert
        Assert.Equal(ImageErrorCodes.DecodeBudgetExceeded, error.Code);
        Assert.Contains("Imaging:MaxDecodeSeconds", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BudgetRunsOut_FreesEveryBufferItAllocated()
    {
        // Arrange
        ImageInputOptions options = new() { MaxDecodeSeconds = 30 };
        SteppingTimeProvider clock = new() { Stepping = false };
        HardenedImageDecoder decoder = new(options, clock);
        using Image<Rgb24> image = ColourTexture(512, 384);
        byte[] bytes = TestImages.Encode(image, new PngEncoder());
        DecodeBudget budget = decoder.CreateBudget(bytes.Length, CancellationToken.None);
        int length = bytes.Length;
        (IImageFormat format, _) = decoder.Identify(bytes, ref length, budget);
        clock.Stepping = true;

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => decoder.Decode<Rgb24>(bytes, length, format, budget));

        // Assert
        Assert.Equal(ImageErrorCodes.DecodeBudgetExceeded, error.Code);
        // Everything but ImageSharp's 64 KiB inflate buffer, which it leaves to the GC on this path.
        Assert.True(budget.PeakBytes > 512 * 384 * 3, "the image buffer was allocated before the budget ran out");
        Assert.InRange(budget.LiveBytes, 0, 64 * 1024);
    }

    [Fact]
    public void LoadTensor_CallerCancelled_OperationCanceled()
    {
        // Arrange
        using Image<Rgb24> image = ColourTexture(128, 128);
        byte[] bytes = TestImages.Encode(image, new PngEncoder());
        using CancellationTokenSource cancelled = new();
        cancelled.Cancel();

        // Act / Assert
        Assert.ThrowsAny<OperationCanceledException>(() => XrayPreprocessor.Default.LoadTensor(bytes, Tensor(), cancelled.Token));
    }

    [Fact]
    public void Allocate_OverTheMemoryBudget_DecodeBudgetExceededAndNothingHeld()
    {
        // Arrange
        DecodeBudget budget = new(TimeProvider.System, TimeSpan.FromMinutes(1), limitBytes: 1 << 20, CancellationToken.None);
        BudgetedMemoryAllocator allocator = new(SixLabors.ImageSharp.Memory.MemoryAllocator.Create(), budget, 64 << 20);
        using System.Buffers.IMemoryOwner<byte> first = allocator.Allocate<byte>(512 << 10);

        // Act
        Assert.Throws<DecodeBudgetExceededException>(() => allocator.Allocate<byte>(768 << 10));

        // Assert
        Assert.Equal(512 << 10, budget.LiveBytes);
        Assert.NotNull(budget.ExceededReason);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("png-grey16")]
    [InlineData("jpeg")]
    [InlineData("bmp")]
    [InlineData("gif")]
    [InlineData("tiff")]
    [InlineData("webp")]
    public void LoadTensor_AnyAcceptedFormat_PeakDecoderMemoryWithinTheDocumentedBound(string format)
    {
        // Arrange
        using Image<Rgb24> image = ColourTexture(300, 200);
        byte[] bytes = TestImages.Encode(image, Encoder(format));

        // Act
        PreprocessedImage prepared = new XrayPreprocessor(new ImageInputOptions { AcceptUnverifiedWebp = true }, pngFastPath: false)
            .LoadTensor(bytes, Tensor());

        // Assert: the limit is the formula of the declared size, and the decoder stayed inside it.
        Assert.Equal(DecodeMemory.LimitBytes(300, 200, prepared.DecodeLimitBytes == 0 ? 0 : LengthAfterSanitising(bytes, format)), prepared.DecodeLimitBytes);
        Assert.InRange(prepared.PeakDecodeBytes, 1, prepared.DecodeLimitBytes);
    }

    private static int LengthAfterSanitising(byte[] bytes, string format) =>
        format.StartsWith("png", StringComparison.Ordinal) ? ImagePreScan.SanitizePng((byte[])bytes.Clone()) : bytes.Length;

    private static IImageEncoder Encoder(string format) => format switch
    {
        "png" => new PngEncoder(),
        "png-grey16" => new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 },
        "png-grey8" => new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 },
        "png-palette" => new PngEncoder { ColorType = PngColorType.Palette },
        "png-rgba" => new PngEncoder { ColorType = PngColorType.RgbWithAlpha },
        "png-interlaced" => new PngEncoder { ColorType = PngColorType.Rgb, InterlaceMethod = PngInterlaceMode.Adam7 },
        "jpeg" => new JpegEncoder(),
        "bmp" => new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 },
        "bmp-8" => new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 },
        "gif" => new GifEncoder(),
        "tiff" => new TiffEncoder(),
        "tiff-deflate" => new TiffEncoder { Compression = TiffCompression.Deflate },
        "webp" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        "webp-lossy" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossy },
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static TheoryData<string, string> TruncationSweep()
    {
        TheoryData<string, string> data = [];
        foreach (string format in new[]
        {
            "png", "png-grey8", "png-grey16", "png-palette", "png-rgba", "png-interlaced", "jpeg", "bmp", "bmp-8", "gif",
            "tiff", "tiff-deflate", "webp", "webp-lossy",
        })
        {
            foreach (string cut in new[] { "10%", "50%", "90%", "last byte" })
            {
                data.Add(format, cut);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TruncationSweep))]
    public void LoadTensor_TruncatedFile_Corrupt(string format, string cut)
    {
        // Arrange
        using Image<Rgb24> image = ColourTexture(160, 120);
        byte[] whole = TestImages.Encode(image, Encoder(format));
        int keep = cut switch
        {
            "10%" => whole.Length / 10,
            "50%" => whole.Length / 2,
            "90%" => whole.Length * 9 / 10,
            // ImageSharp pads a TIFF's last directory value (the Software string) to an even length: the file's
            // last byte carries nothing, so drop the last byte that does.
            _ => format.StartsWith("tiff", StringComparison.Ordinal) && whole[^1] == 0 ? whole.Length - 2 : whole.Length - 1,
        };
        byte[] truncated = whole[..keep];
        XrayPreprocessor accepting = new(new ImageInputOptions { AcceptUnverifiedWebp = true });
        accepting.LoadTensor(whole, Tensor()); // the whole file is fine

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => accepting.LoadTensor(truncated, Tensor()));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
    }

    [Fact]
    public void LoadTensor_BmpDeclaringMorePixelsThanItHolds_Corrupt()
    {
        // Arrange: a 2000×2000 24-bit header in front of 270 KB of data.
        using Image<Rgb24> image = ColourTexture(2000, 2000);
        byte[] whole = TestImages.Encode(image, Encoder("bmp"));
        byte[] shortFile = whole[..(270 * 1024)];

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => XrayPreprocessor.Default.LoadTensor(shortFile, Tensor()));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
    }

    [Fact]
    public void LoadTensor_GifFrameWithNoData_Corrupt()
    {
        // Arrange: header, no colour table, one 64×64 frame whose LZW data is a clear code then end-of-information.
        byte[] gif =
        [
            .. "GIF89a"u8, 64, 0, 64, 0, 0x00, 0, 0,
            0x2C, 0, 0, 0, 0, 64, 0, 64, 0, 0x00,
            2, 1, 0x2C, 0, // min code size 2: clear (4) + EOI (5) in 3-bit codes = 0b101_100
            0x3B,
        ];

        // Act
        ImageRejectedException error = Assert.Throws<ImageRejectedException>(() => XrayPreprocessor.Default.LoadTensor(gif, Tensor()));

        // Assert
        Assert.Equal(ImageErrorCodes.Corrupt, error.Code);
    }
}
