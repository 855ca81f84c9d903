using System.Net;
using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Domain.Tests.Dns;

public sealed class DnsResolverOptionsTests
{
    [Fact]
    public void ParseResolvConf_TypicalFile_ReturnsNameservers()
    {
        const string Text = "# generated\nsearch example.com\nnameserver 10.0.0.2\n; comment\nnameserver   fe80::1%eth0\nnameserver bogus\noptions timeout:1\nnameserver 2001:db8::53\n";

        var servers = DnsResolverOptions.ParseResolvConf(Text);

        Assert.Equal(["10.0.0.2", "fe80::1", "2001:db8::53"], servers);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", 53)]
    [InlineData("127.0.0.1:5353", "127.0.0.1", 5353)]
    [InlineData("::1", "::1", 53)]
    [InlineData("[::1]:5353", "::1", 5353)]
    [InlineData(" 192.0.2.53 ", "192.0.2.53", 53)]
    public void ParseServer_ValidEntry_ReturnsEndPoint(string entry, string address, int port)
    {
        var endPoint = DnsResolverOptions.ParseServer(entry);

        Assert.Equal(IPAddress.Parse(address), endPoint.Address);
        Assert.Equal(port, endPoint.Port);
    }

    [Theory]
    [InlineData("dns.example.com")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("")]
    public void ParseServer_InvalidEntry_ThrowsFormatException(string entry)
    {
        Assert.Throws<FormatException>(() => DnsResolverOptions.ParseServer(entry));
    }

    [Fact]
    public void ResolveServerEndPoints_NoServers_ReadsResolvConf()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "nameserver 192.0.2.7\n");
            var options = new DnsResolverOptions { ResolvConfPath = path };

            var servers = options.ResolveServerEndPoints();

            Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 53), Assert.Single(servers));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
