using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ServerlessCovid.Core.Imaging;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// Reads an uploaded image from the first file of a <c>multipart/form-data</c> body, or else from the raw body
/// whatever its declared type (the bytes are sniffed later), refusing oversized uploads before buffering them.
/// </summary>
internal static class ImageRequestReader
{
    public static async Task<(byte[]? Image, JsonResponse? Problem)> ReadAsync(
        HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (IsMultipartForm(request.ContentType))
        {
            return await ReadMultipartAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        }

        // Anything else is raw bytes, whatever Content-Type says (none, application/x-www-form-urlencoded as curl
        // sends with --data-binary, octet-stream, image/*): the preprocessor sniffs the format from the bytes.
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(request.ContentLength.Value, maxBytes));
        }

        byte[]? image = await ReadBoundedAsync(request.Body, maxBytes, cancellationToken).ConfigureAwait(false);
        return image is null ? (null, TooLarge(null, maxBytes)) : (image, null);
    }

    private static async Task<(byte[]? Image, JsonResponse? Problem)> ReadMultipartAsync(
        HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or InvalidOperationException)
        {
            return (null, Problems.BadRequest(ApiErrorCodes.MalformedMultipart,
                $"The multipart/form-data body could not be read ({ex.Message}); send the x-ray as the first file part, or as the raw body."));
        }

        IFormFile? file = form.Files.Count > 0 ? form.Files[0] : null;
        if (file is null)
        {
            return (null, Problems.BadRequest(ApiErrorCodes.MissingImage, "The multipart form has no file part; send the x-ray as its first file."));
        }

        if (file.Length > maxBytes)
        {
            return (null, TooLarge(file.Length, maxBytes));
        }

        using Stream fileStream = file.OpenReadStream();
        byte[]? image = await ReadBoundedAsync(fileStream, maxBytes, cancellationToken).ConfigureAwait(false);
        return image is null ? (null, TooLarge(null, maxBytes)) : (image, null);
    }

    private static bool IsMultipartForm(string? contentType) =>
        contentType is { Length: > 0 }
        && MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? parsed)
        && parsed.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads at most <paramref name="maxBytes"/>; null when the stream holds more (no Content-Length given).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream stream, long maxBytes, CancellationToken cancellationToken)
    {
        using MemoryStream buffer = new();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static JsonResponse TooLarge(long? length, long maxBytes) => Problems.Create(
        StatusCodes.Status413PayloadTooLarge,
        ImageErrorCodes.TooLarge,
        string.Create(CultureInfo.InvariantCulture,
            $"The upload{(length is null ? string.Empty : $" ({length} bytes)")} exceeds the {maxBytes}-byte limit (Imaging:MaxBytes)."));
}
