using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Functions.Tests.Infrastructure;

/// <summary>Small generated PNGs the channel-contrast model scores predictably.</summary>
internal static class TestXrays
{
    /// <summary>Red brighter than green: the test model says covid.</summary>
    public static byte[] Covid(int size = 48, byte seed = 0) => Png(size, new Rgba32(200, (byte)(40 + seed), 60));

    /// <summary>Green brighter than red: the test model says normal.</summary>
    public static byte[] Normal(int size = 48, byte seed = 0) => Png(size, new Rgba32((byte)(40 + seed), 200, 60));

    /// <summary>A PNG signature followed by garbage: detected as PNG, undecodable.</summary>
    public static byte[] CorruptPng() => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    private static byte[] Png(int size, Rgba32 colour)
    {
        using Image<Rgba32> image = new(size, size, colour);
        using MemoryStream stream = new();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }
}
