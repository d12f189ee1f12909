namespace ServerlessCovid.Core.Models;

/// <summary>
/// The two classes of the study. The model's output order is alphabetical, as Keras'
/// <c>flow_from_directory</c> orders class folders, and is recorded in every manifest.
/// </summary>
public static class ClassNames
{
    public const string Covid = "covid";

    public const string Normal = "normal";

    /// <summary>The triage-positive class: thresholds, sensitivity targets and AUC comparisons refer to it.</summary>
    public const string Positive = Covid;

    /// <summary>Class names in model output order.</summary>
    public static IReadOnlyList<string> InOutputOrder { get; } = [Covid, Normal];

    public static bool IsKnown(string? label) => label is Covid or Normal;

    /// <summary>Index of a class in the model output.</summary>
    public static int IndexOf(string label) => label switch
    {
        Covid => 0,
        Normal => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "Unknown class; expected 'covid' or 'normal'."),
    };
}
