using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ServerlessCovid.Core.Imaging;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// Reads an uploaded image from a raw body or the first file of a multipart form, refusing oversized uploads
/// before buffering them and declared types that cannot be an image.
/// </summary>
internal static class ImageRequestReader
{
    public static async Task<(byte[]? Image, JsonResponse? Problem)> ReadAsync(
        HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            IFormCollection form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
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
            return (await ReadBoundedAsync(fileStream, maxBytes, cancellationToken).ConfigureAwait(false), null);
        }

        if (request.ContentType is { Length: > 0 } contentType && !CouldBeImage(contentType))
        {
            return (null, Problems.Create(
                StatusCodes.Status415UnsupportedMediaType,
                ApiErrorCodes.UnsupportedMediaType,
                $"Content-Type '{contentType}' cannot carry an image: send image/png, image/jpeg (or another image/* type), "
                + "application/octet-stream, or multipart/form-data."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(request.ContentLength.Value, maxBytes));
        }

        byte[]? image = await ReadBoundedAsync(request.Body, maxBytes, cancellationToken).ConfigureAwait(false);
        return image is null ? (null, TooLarge(null, maxBytes)) : (image, null);
    }

    private static bool CouldBeImage(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? parsed)
        && (parsed.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || parsed.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase));

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
