using BackscatterConsole.Domain.Names;

namespace BackscatterConsole.Domain.Tests.Dns;

public sealed class QueryNameTests
{
    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("Example.COM.", "example.com")]
    [InlineData("_dmarc.example.com", "_dmarc.example.com")]
    [InlineData("sel._domainkey.example.com", "sel._domainkey.example.com")]
    [InlineData("joe+tag=x.example.com", "joe+tag=x.example.com")]
    [InlineData("macro%percent  space.example.com", "macro%percent  space.example.com")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    public void TryNormalizeQueryName_Queryable_ReturnsNormalForm(string input, string expected)
    {
        Assert.True(HostName.TryNormalizeQueryName(input, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("a..b", "empty label")]
    [InlineData(".example.com", "empty label")]
    [InlineData("tab\there.example", "control")]
    [InlineData("back\\slash.example", "backslash")]
    [InlineData("", "required")]
    public void TryNormalizeQueryName_NotQueryable_ReturnsError(string input, string fragment)
    {
        Assert.False(HostName.TryNormalizeQueryName(input, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TryNormalizeQueryName_LabelOf64_ReturnsError()
    {
        Assert.False(HostName.TryNormalizeQueryName(new string('a', 64) + ".example", out _, out var error));
        Assert.Contains("63", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalizeQueryName_NameOf254_ReturnsError()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 50), 5));
        Assert.Equal(254, name.Length);
        Assert.False(HostName.TryNormalizeQueryName(name, out _, out var error));
        Assert.Contains("253", error, StringComparison.Ordinal);
    }
}
