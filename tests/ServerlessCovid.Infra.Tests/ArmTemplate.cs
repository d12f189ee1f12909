using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServerlessCovid.Infra.Tests;

/// <summary>One resource of a compiled ARM template, with the (nested) deployment it sits in.</summary>
internal sealed record ArmResource(JsonObject Node, ArmScope Scope)
{
    public string Type => (string?)Node["type"] ?? string.Empty;

    public string Name => Node["name"]?.ToString() ?? string.Empty;

    public bool IsExisting => Node["existing"]?.GetValue<bool>() == true;

    public JsonObject Properties => Node["properties"] as JsonObject ?? [];

    /// <summary>Resolves a value of this resource the way ARM would, as far as <see cref="ArmScope.Resolve"/> can.</summary>
    public JsonNode? Resolve(JsonNode? value) => Scope.Resolve(value);
}

/// <summary>
/// A template (the main one or a module's nested template) plus the parameter values its deployment passes (for the
/// main template: the values a deployment would be given, as in a parameters file). Resolves the simple expressions
/// Bicep emits for names and settings — <c>[parameters('p').a]</c>, <c>[variables('v').b]</c>, and lookups such as
/// <c>[variables('table')[parameters('key')]]</c> — through module boundaries down to literals; anything else stays
/// unresolved (null), so a test fails loudly rather than guess.
/// </summary>
internal sealed partial class ArmScope(JsonObject template, JsonObject? parameterValues, ArmScope? parent)
{
    public JsonObject Template { get; } = template;

    public IEnumerable<ArmResource> Resources
    {
        get
        {
            // languageVersion 2.0 templates (user-defined types) keep resources in an object keyed by symbolic name.
            IEnumerable<JsonNode?> nodes = Template["resources"] switch
            {
                JsonArray array => array,
                JsonObject map => map.Select(pair => pair.Value),
                _ => [],
            };
            foreach (JsonObject node in nodes.OfType<JsonObject>())
            {
                var resource = new ArmResource(node, this);
                yield return resource;
                if (resource.Type == "Microsoft.Resources/deployments"
                    && resource.Properties["template"] is JsonObject nested)
                {
                    var child = new ArmScope(nested, resource.Properties["parameters"] as JsonObject, this);
                    foreach (ArmResource inner in child.Resources)
                    {
                        yield return inner;
                    }
                }
            }
        }
    }

    public JsonNode? Resolve(JsonNode? value) => ResolveWithScope(value).Node;

    /// <summary>Resolves an array and each of its items, every item in the template the array was written in.</summary>
    public IEnumerable<JsonNode?> ResolveItems(JsonNode? value)
    {
        (JsonNode? node, ArmScope scope) = ResolveWithScope(value);
        return node is JsonArray array ? array.Select(scope.Resolve) : [];
    }

    /// <summary>Resolves an array of objects and each object's properties, every value in the template it was written in.</summary>
    public IEnumerable<JsonObject?> ResolveObjects(JsonNode? value)
    {
        (JsonNode? node, ArmScope scope) = ResolveWithScope(value);
        return node is JsonArray array ? array.Select(item => scope.ResolveWithScope(item)).Select(ResolveProperties) : [];
    }

    /// <summary>
    /// Follows parameter and variable references as far as they go and returns where they end: a literal, or the
    /// first expression this class cannot evaluate (e.g. <c>[union(variables('tags'), ...)]</c>) as written.
    /// </summary>
    public JsonNode? Trace(JsonNode? value) => ResolveWithScope(value, keepUnresolved: true).Node;

    // Returns the scope a value came from too: an object found through a module parameter holds expressions of the
    // parent template, which must be resolved there.
    private (JsonNode? Node, ArmScope Scope) ResolveWithScope(JsonNode? value, bool keepUnresolved = false)
    {
        if (value is not JsonValue scalar || !scalar.TryGetValue(out string? text)
            || !text.StartsWith('[') || text.StartsWith("[[", StringComparison.Ordinal))
        {
            return (value, this);
        }

        Match match = SimpleReference().Match(text);
        if (!match.Success)
        {
            return (keepUnresolved ? value : null, this);
        }

        string name = match.Groups["name"].Value;
        (JsonNode? node, ArmScope scope) = match.Groups["kind"].Value == "parameters"
            ? ResolveParameter(name, keepUnresolved)
            : ResolveWithScope(Template["variables"]?[name], keepUnresolved);
        foreach (Capture property in match.Groups["property"].Captures)
        {
            // .name, or [parameters('key')]: a key resolved here, where the expression was written.
            string? key = property.Value.StartsWith('.')
                ? property.Value[1..]
                : (string?)ResolveParameter(property.Value[13..^3], keepUnresolved: false).Node;
            (node, scope) = node is JsonObject obj && key is not null
                ? scope.ResolveWithScope(obj[key], keepUnresolved)
                : (keepUnresolved ? value : null, scope);
        }

        return (node, scope);
    }

    private (JsonNode? Node, ArmScope Scope) ResolveParameter(string name, bool keepUnresolved)
    {
        // A module's values are expressions of the template that deploys it; the main template's are literals.
        if (parameterValues?[name] is JsonObject passed)
        {
            return (parent ?? this).ResolveWithScope(passed["value"], keepUnresolved);
        }

        return ResolveWithScope(Template["parameters"]?[name]?["defaultValue"], keepUnresolved);
    }

    private static JsonObject? ResolveProperties((JsonNode? Node, ArmScope Scope) item) => item.Node is JsonObject obj
        ? new JsonObject(obj.Select(property => KeyValuePair.Create(property.Key, item.Scope.Resolve(property.Value)?.DeepClone())))
        : null;

    [GeneratedRegex(@"^\[(?<kind>parameters|variables)\('(?<name>[^']+)'\)(?<property>\.[A-Za-z0-9_]+|\[parameters\('[^']+'\)\])*\]$")]
    private static partial Regex SimpleReference();
}
