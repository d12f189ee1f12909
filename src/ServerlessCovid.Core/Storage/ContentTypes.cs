namespace ServerlessCovid.Core.Storage;

/// <summary>Content types for the blobs we write, so reports and figures open in a browser from a SAS link.</summary>
public static class ContentTypes
{
    public static string ForFileName(string name) => Path.GetExtension(name).ToUpperInvariant() switch
    {
        ".JSON" => "application/json",
        ".HTML" or ".HTM" => "text/html; charset=utf-8",
        ".CSV" => "text/csv; charset=utf-8",
        ".MD" => "text/markdown; charset=utf-8",
        ".TXT" => "text/plain; charset=utf-8",
        ".PNG" => "image/png",
        ".JPG" or ".JPEG" => "image/jpeg",
        ".BMP" => "image/bmp",
        ".GIF" => "image/gif",
        ".TIF" or ".TIFF" => "image/tiff",
        ".WEBP" => "image/webp",
        ".DCM" => "application/dicom",
        ".SVG" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
