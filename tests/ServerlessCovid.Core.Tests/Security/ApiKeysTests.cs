using ServerlessCovid.Core.Security;

namespace ServerlessCovid.Core.Tests.Security;

public sealed class ApiKeysTests
{
    [Fact]
    public void Generate_NewKey_ParsesAndVerifiesAgainstItsOwnSaltAndHashOnly()
    {
        // Arrange
        (string key, string id, byte[] salt, byte[] hash) = ApiKeys.Generate();
        (string otherKey, _, byte[] otherSalt, _) = ApiKeys.Generate();

        // Act
        bool parsed = ApiKeys.TryParse(key, out string parsedId, out string secret);
        bool otherParsed = ApiKeys.TryParse(otherKey, out _, out string otherSecret);

        // Assert
        Assert.True(parsed && otherParsed);
        Assert.Equal(id, parsedId);
        Assert.True(ApiKeys.Verify(salt, hash, secret));
        Assert.False(ApiKeys.Verify(salt, hash, otherSecret));
        Assert.False(ApiKeys.Verify(otherSalt, hash, secret));
        Assert.DoesNotContain(secret, Convert.ToBase64String(hash), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sck_0123456789ab_short")]
    [InlineData("sck_0123456789AB_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("sck_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")]
    [InlineData("sck_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u2028")]
    [InlineData("Bearer sck_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void TryParse_NotAKey_ReturnsFalse(string? key)
    {
        // Arrange / Act
        bool parsed = ApiKeys.TryParse(key, out _, out _);

        // Assert
        Assert.False(parsed);
    }
}
