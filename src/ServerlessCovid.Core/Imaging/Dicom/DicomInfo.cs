using System.Security.Cryptography;
using System.Text;

namespace ServerlessCovid.Core.Imaging.Dicom;

/// <summary>
/// What a DICOM upload says about its acquisition, without protected health information: modality (CR, DX...),
/// view position (PA, AP, LL...), photometric interpretation and transfer syntax. Patient attributes are never read
/// into strings; the SOP Instance UID is only available as a salted hash (<see cref="HashSopInstanceUid"/>), for
/// de-duplication.
/// </summary>
public sealed record DicomInfo(
    string? Modality,
    string? ViewPosition,
    string PhotometricInterpretation,
    string TransferSyntaxUid,
    string TransferSyntaxName,
    int BitsStored,
    int NumberOfFrames)
{
    /// <summary>Shortest salt accepted: a short salt makes the hash of a known UID guessable.</summary>
    public const int MinSaltBytes = 16;

    /// <summary>Internal, so it is in no record print-out, JSON or log: only its salted hash leaves this type.</summary>
    internal string? SopInstanceUid { get; init; }

    /// <summary>
    /// HMAC-SHA256 of the SOP Instance UID keyed with <paramref name="salt"/> (lower-case hex), or null when the
    /// file has none. The same image hashes the same under one salt, so a second delivery can be recognised
    /// without the UID (which can be linked back to a patient in the hospital's PACS) being stored.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="salt"/> is shorter than <see cref="MinSaltBytes"/>.</exception>
    public string? HashSopInstanceUid(ReadOnlySpan<byte> salt)
    {
        if (salt.Length < MinSaltBytes)
        {
            throw new ArgumentException($"The salt must be at least {MinSaltBytes} bytes.", nameof(salt));
        }

        return SopInstanceUid is null
            ? null
            : Convert.ToHexStringLower(HMACSHA256.HashData(salt, Encoding.ASCII.GetBytes(SopInstanceUid)));
    }
}
