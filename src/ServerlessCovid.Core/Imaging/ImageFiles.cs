namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// The image files the folder readers take (<c>covid predict</c>, training folders, <c>dataset build</c>,
/// <c>labels import</c>) and the labelled store keeps: one list, so a format the preprocessor reads cannot be
/// accepted by one of them and skipped by another. The bytes are sniffed anyway; the extension only decides which
/// files of a folder are meant as images. (<c>covid evaluate</c> scores every file and reports the refused ones.)
/// </summary>
public static class ImageFiles
{
    /// <summary>Extensions without the dot, lower case, in the order messages list them.</summary>
    public static IReadOnlyList<string> Extensions { get; } = ["png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp", "dcm"];

    /// <summary>"png, jpg, ..., dcm" for messages that tell the user what is accepted.</summary>
    public static string ExtensionList { get; } = string.Join(", ", Extensions);

    /// <summary>Whether <paramref name="extension"/> (with or without its dot, any case) is an accepted image extension.</summary>
    public static bool IsImageExtension(string? extension)
    {
        if (string.IsNullOrEmpty(extension))
        {
            return false;
        }

        string bare = extension.StartsWith('.') ? extension[1..] : extension;
        return Extensions.Contains(bare, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Whether the file's extension is an accepted image extension (dot files are not images: macOS/editor debris).</summary>
    public static bool IsImageFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return !Path.GetFileName(path).StartsWith('.') && IsImageExtension(Path.GetExtension(path));
    }

    /// <summary>
    /// The file extension for stored copies of an image whose sniffed format is <paramref name="format"/>
    /// (<see cref="Inference.ImageInfo.Format"/>: png, jpeg, bmp, gif, tiff, webp, dicom), or null for anything else.
    /// DICOM is the one format whose name is not its usual extension.
    /// </summary>
    public static string? ExtensionForFormat(string? format) => format?.ToLowerInvariant() switch
    {
        "dicom" => "dcm",
        { } name when IsImageExtension(name) => name,
        _ => null,
    };
}
