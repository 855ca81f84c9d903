using BackscatterConsole.Domain.Names;

namespace BackscatterConsole.Domain.Tests.Names;

public sealed class HostNameTests
{
    [Theory]
    [InlineData("Mail.Example.COM", "mail.example.com")]
    [InlineData("mx1.example.org.", "mx1.example.org")]
    [InlineData("  host-1.example.net ", "host-1.example.net")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("localhost", "localhost")]
    public void TryNormalize_ValidName_ReturnsLowerCaseAsciiForm(string input, string expected)
    {
        Assert.True(HostName.TryNormalize(input, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("exa mple.com", "not allowed")]
    [InlineData("-bad.example.com", "hyphen")]
    [InlineData("bad-.example.com", "hyphen")]
    [InlineData("a..example.com", "empty label")]
    [InlineData("under_score.example.com", "not allowed")]
    public void TryNormalize_InvalidName_ReturnsError(string input, string expectedFragment)
    {
        Assert.False(HostName.TryNormalize(input, out _, out var error));
        Assert.Contains(expectedFragment, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TryNormalize_LabelOf64Octets_IsRejected()
    {
        var name = new string('a', 64) + ".example.com";
        Assert.False(HostName.TryNormalize(name, out _, out var error));
        Assert.Contains("at most 63", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalize_NameOver253Octets_IsRejected()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 50), 6));
        Assert.False(HostName.TryNormalize(name, out _, out var error));
        Assert.Contains("at most 253", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalize_UnderscoreAllowed_AcceptsServiceLabels()
    {
        Assert.True(HostName.TryNormalize("_dmarc.example.com", out var n, out _, allowUnderscore: true));
        Assert.Equal("_dmarc.example.com", n);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("2001:db8::25", true)]
    [InlineData("10.1", false)]
    [InlineData("mail.example.com", false)]
    public void IsIpAddress_RecognizesLiterals(string input, bool expected) =>
        Assert.Equal(expected, HostName.IsIpAddress(input));
}
