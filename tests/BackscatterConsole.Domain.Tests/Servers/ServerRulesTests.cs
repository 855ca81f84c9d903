using BackscatterConsole.Domain.Servers;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Domain.Tests.Servers;

public sealed class ServerRulesTests
{
    private static ServerInput Valid() => new()
    {
        Name = "  mx-eu-1 ",
        Hostname = "MX1.Example.COM",
        Platform = "Postfix",
        Domains = [new() { Name = "Example.com", DkimSelectors = ["s1", "S1", " "] }, new() { Name = "example.org" }],
        Tags = ["EU", "prod", "eu"],
    };

    [Fact]
    public void Validate_ValidInput_NormalizesAndAppliesDefaults()
    {
        var errors = ServerRules.Validate(Valid(), out var definition);

        Assert.Empty(errors);
        Assert.NotNull(definition);
        Assert.Equal("mx-eu-1", definition.Name);
        Assert.Equal("mx1.example.com", definition.Hostname);
        Assert.Equal("postfix", definition.Platform);
        Assert.Equal("mx1.example.com", definition.SmtpHost);
        Assert.Equal(25, definition.SmtpPort);
        Assert.False(definition.ProbeEnabled);
        Assert.Equal(["example.com", "example.org"], definition.Domains.Select(d => d.Name));
        Assert.Equal(["s1"], definition.Domains[0].DkimSelectors);
        Assert.Equal(["eu", "prod"], definition.Tags);
    }

    [Fact]
    public void Validate_IpLiteralSmtpHost_IsKept()
    {
        var input = Valid();
        input.SmtpHost = "127.0.0.1";
        input.SmtpPort = 2525;

        Assert.Empty(ServerRules.Validate(input, out var definition));
        Assert.Equal("127.0.0.1", definition!.SmtpHost);
        Assert.Equal(2525, definition.SmtpPort);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(-5)]
    public void Validate_PortOutOfRange_ReportsSmtpPort(int port)
    {
        var input = Valid();
        input.SmtpPort = port;

        var errors = ServerRules.Validate(input, out var definition);

        Assert.Null(definition);
        Assert.Contains("outside 1–65535", Assert.Single(errors["smtpPort"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownPlatform_ListsTheValidOnes()
    {
        var input = Valid();
        input.Platform = "sendmail";

        var errors = ServerRules.Validate(input, out _);

        Assert.Contains("postfix, carbonio, zimbra, mailenable, exchange, other", errors["platform"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateDomain_PointsAtTheSecondOccurrence()
    {
        var input = Valid();
        input.Domains!.Add(new() { Name = "EXAMPLE.com." });

        var errors = ServerRules.Validate(input, out _);

        Assert.Contains("listed twice", errors["domains[2].name"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ManyBadFields_ReportsEachField()
    {
        var input = new ServerInput
        {
            Name = new string('n', 101),
            Hostname = "bad host",
            Platform = null,
            Version = new string('v', 51),
            Notes = new string('x', 4001),
            Tags = ["ok", "no spaces"],
            Domains = [new() { Name = "nodot" }, new() { Name = "a..b" }],
        };

        var errors = ServerRules.Validate(input, out _);

        Assert.Equal(
            ["domains[0].name", "domains[1].name", "hostname", "name", "notes", "platform", "tags", "version"],
            errors.Keys.Order(StringComparer.Ordinal));
    }
}
