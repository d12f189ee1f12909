using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>Validators that turn out-of-range numbers into parse errors (exit code 2) instead of failures later.</summary>
public static class OptionRules
{
    /// <summary>Rejects values outside [<paramref name="min"/>, <paramref name="max"/>]; unparseable ones are left to the parser's own error.</summary>
    public static Option<T> InRange<T>(this Option<T> option, T min, T max)
        where T : INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            foreach (System.CommandLine.Parsing.Token token in result.Tokens)
            {
                if (T.TryParse(token.Value, CultureInfo.InvariantCulture, out T? value) && (value < min || value > max))
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture,
                        $"{option.Name} must be between {min} and {max}; got {token.Value}."));
                }
            }
        });
        return option;
    }

    /// <summary><see cref="InRange{T}"/> for an optional number (<c>Option&lt;int?&gt;</c>).</summary>
    public static Option<T?> InRangeWhenSet<T>(this Option<T?> option, T min, T max)
        where T : struct, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            foreach (System.CommandLine.Parsing.Token token in result.Tokens)
            {
                if (T.TryParse(token.Value, CultureInfo.InvariantCulture, out T value) && (value < min || value > max))
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture,
                        $"{option.Name} must be between {min} and {max}; got {token.Value}."));
                }
            }
        });
        return option;
    }
}
