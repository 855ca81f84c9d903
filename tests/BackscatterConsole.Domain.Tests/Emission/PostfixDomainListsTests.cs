using BackscatterConsole.Domain.Emission;

namespace BackscatterConsole.Domain.Tests.Emission;

public sealed class PostfixDomainListsTests
{
    [Fact]
    public void Parse_PostconfHxOutput_SplitsNamesFilesTablesAndNegations()
    {
        // postconf -hx mydestination virtual_mailbox_domains virtual_alias_domains relay_domains of a hosting server.
        var entries = PostfixDomainLists.Parse(
        [
            "mx.example.test, localhost, Example.TEST.",
            "proxy:mysql:/etc/postfix/mysql-virtual-domains.cf hash:/etc/postfix/vdomains",
            "inline:{ alias.example.test=ok, other.example.test }",
            "mx.example.test, localhost, example.test /etc/postfix/relay_domains !old.example.test .sub.example.test",
        ]);

        Assert.Equal(["mx.example.test", "localhost", "example.test", ".sub.example.test"], entries.Names);
        Assert.Equal(["/etc/postfix/relay_domains"], entries.Files);
        Assert.Equal(["proxy:mysql:/etc/postfix/mysql-virtual-domains.cf", "hash:/etc/postfix/vdomains", "inline:{ alias.example.test=ok, other.example.test }"], entries.Tables);
        Assert.Equal(["old.example.test"], entries.Negated);
        Assert.Equal("mysql", PostfixDomainLists.TableType(entries.Tables[0]));
        Assert.False(PostfixDomainLists.IsListable(entries.Tables[0]));
        Assert.True(PostfixDomainLists.IsListable(entries.Tables[1]));
        Assert.Equal(["alias.example.test", "other.example.test"], PostfixDomainLists.InlineKeys(entries.Tables[2]));
    }

    [Fact]
    public void DomainKeys_PostmapDump_KeepsDomainsAndLeavesAddressesOut()
    {
        var keys = PostfixDomainLists.DomainKeys("example.org OK\nuser@example.org example.org/user/\n# comment\nEXAMPLE.net\tx\n\n");

        Assert.Equal(["example.org", "example.net"], keys);
    }

    [Fact]
    public void ParseFile_ListWithComments_ReadsEveryEntry()
    {
        var entries = PostfixDomainLists.ParseFile("# relayed domains\nrelay1.example.test\nrelay2.example.test, relay3.example.test # the third\n");

        Assert.Equal(["relay1.example.test", "relay2.example.test", "relay3.example.test"], entries.Names);
    }

    [Theory]
    [InlineData("example.test", true)]
    [InlineData("EXAMPLE.test.", true)]
    [InlineData("deep.sub.example.test", true)]
    [InlineData("sub.example.test", false)]
    [InlineData("other.example", false)]
    [InlineData("", true)]
    public void LocalDomainSet_ExactNamesAndDotPatterns_MatchAsPostfixDoes(string domain, bool local) =>
        Assert.Equal(local, new LocalDomainSet(["example.test", ".sub.example.test"]).IsLocal(domain));
}
