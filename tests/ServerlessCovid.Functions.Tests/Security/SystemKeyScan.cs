namespace ServerlessCovid.Functions.Tests.Security;

/// <summary>
/// Fails when a response carries a Functions or Durable system key, a runtime webhook URL, or any issued API key,
/// in its body or in any header.
/// </summary>
internal static class SystemKeyScan
{
    private static readonly string[] Forbidden =
    [
        "code=", "runtime/webhooks", "durabletask_extension", "systemkey", "x-functions-key", "taskHub=", "sck_",
    ];

    public static void AssertClean(RawResponse response, Keys keys)
    {
        List<string> texts = [response.Body];
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in response.Headers)
        {
            texts.Add(name + ": " + values);
        }

        foreach (string text in texts)
        {
            foreach (string marker in Forbidden.Concat([keys.OwnHospital, keys.OtherHospital, keys.Admin]))
            {
                Assert.False(text.Contains(marker, StringComparison.OrdinalIgnoreCase), $"Response leaks '{marker}': {text}");
            }
        }
    }
}
