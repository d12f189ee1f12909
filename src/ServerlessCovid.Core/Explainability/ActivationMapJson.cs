using System.Text.Json;
using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Core.Explainability;

/// <summary>
/// The raw grid as compact JSON, <c>{"width":8,"height":8,"values":[…]}</c> (row-major, floats written at their
/// shortest round-trip length: about 0.7 KB for 8×8), as the results table and the API carry it.
/// </summary>
public static class ActivationMapJson
{
    /// <summary>
    /// Longest JSON a results-table column may hold: a string property is limited to 64 KiB of UTF-16, i.e. 32,768
    /// characters; a little is left over. An 8×8 grid needs about 700; only grids above roughly 50×50 would not fit.
    /// </summary>
    public const int MaxTableChars = 32_000;

    // Web defaults (camelCase) without indentation: the row and the API carry it as is.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(ActivationMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return JsonSerializer.Serialize(map, Options);
    }

    /// <summary>The grid of a stored row; null when the row has none.</summary>
    /// <exception cref="InvalidDataException">The stored text is not a grid of width × height finite values.</exception>
    public static ActivationMap? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        ActivationMap? map;
        try
        {
            map = JsonSerializer.Deserialize<ActivationMap>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("A stored activation map is not valid JSON.", ex);
        }

        if (map?.Values is null || map.Width < 1 || map.Height < 1 || map.Values.Length != map.Width * map.Height)
        {
            throw new InvalidDataException("A stored activation map does not hold width × height values.");
        }

        return map;
    }
}
