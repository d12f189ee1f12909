using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Tests.Storage;

/// <summary>
/// Every id kind is anchored at the very end of the string: in .NET, <c>$</c> also matches before a final
/// <c>\n</c>, which once let <c>h1\n</c> through as a hospital id (issue 15).
/// </summary>
public sealed class IdAnchoringTests
{
    private const string ValidHospital = "h1";
    private const string ValidResultId = "0123456789abcdef0123456789abcdef";
    private const string ValidVersion = "v1.2_rc-3";
    private const string ValidLabelledName = "Scan_01.a-b";

    public static TheoryData<string> Suffixes() => ["\n", "\r\n", "\r", "\0", "\u2028", "\u2029", "\u0085", " ", "\t"];

    public static TheoryData<string> Prefixes() => ["\n", "\r\n", "\0", "\u2028", "\u2029", " "];

    [Fact]
    public void IsValid_PlainIds_AreAccepted()
    {
        // Arrange / Act / Assert: the valid forms stay valid, so the rejections below are about the suffix.
        Assert.True(HospitalIds.IsValid(ValidHospital));
        Assert.True(ResultIds.IsValid(ValidResultId));
        Assert.True(ModelVersions.IsValid(ValidVersion));
        Assert.True(LabelledImageStore.IsValidName(ValidLabelledName));
    }

    [Theory]
    [MemberData(nameof(Suffixes))]
    public void HospitalIdsIsValid_TrailingLineBreakOrControl_ReturnsFalse(string suffix)
    {
        // Arrange
        string id = ValidHospital + suffix;

        // Act
        bool valid = HospitalIds.IsValid(id);

        // Assert
        Assert.False(valid);
    }

    [Theory]
    [MemberData(nameof(Suffixes))]
    public void ResultIdsIsValid_TrailingLineBreakOrControl_ReturnsFalse(string suffix)
    {
        // Arrange
        string id = ValidResultId + suffix;

        // Act
        bool valid = ResultIds.IsValid(id);

        // Assert
        Assert.False(valid);
    }

    [Theory]
    [MemberData(nameof(Suffixes))]
    public void ModelVersionsIsValid_TrailingLineBreakOrControl_ReturnsFalse(string suffix)
    {
        // Arrange
        string version = ValidVersion + suffix;

        // Act
        bool valid = ModelVersions.IsValid(version);

        // Assert
        Assert.False(valid);
        Assert.Throws<ArgumentException>(() => ModelVersions.EnsureValid(version, "version"));
    }

    [Theory]
    [MemberData(nameof(Suffixes))]
    public void LabelledImageStoreIsValidName_TrailingLineBreakOrControl_ReturnsFalse(string suffix)
    {
        // Arrange
        string name = ValidLabelledName + suffix;

        // Act
        bool valid = LabelledImageStore.IsValidName(name);

        // Assert
        Assert.False(valid);
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public void IsValid_LeadingLineBreakOrControl_ReturnsFalseForEveryKind(string prefix)
    {
        // Arrange / Act / Assert
        Assert.False(HospitalIds.IsValid(prefix + ValidHospital));
        Assert.False(ResultIds.IsValid(prefix + ValidResultId));
        Assert.False(ModelVersions.IsValid(prefix + ValidVersion));
        Assert.False(LabelledImageStore.IsValidName(prefix + ValidLabelledName));
    }

    [Theory]
    [InlineData("h\n1")]
    [InlineData("h\u20281")]
    [InlineData("h\01")]
    public void IsValid_EmbeddedLineBreakOrNul_ReturnsFalseForEveryKind(string id)
    {
        // Arrange / Act / Assert
        Assert.False(HospitalIds.IsValid(id));
        Assert.False(ResultIds.IsValid(id));
        Assert.False(ModelVersions.IsValid(id));
        Assert.False(LabelledImageStore.IsValidName(id));
    }
}
