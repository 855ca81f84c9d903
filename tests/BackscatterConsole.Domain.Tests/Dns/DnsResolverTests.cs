using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Tests.Fixtures;

namespace BackscatterConsole.Domain.Tests.Dns;

/// <summary>
/// The resolver on scripted UDP servers on loopback: RCODEs told apart, timeouts and network errors as statuses, spoofed
/// answers ignored, CNAMEs followed, caching, the bound on queries in flight. The same tests ran against a DnsClient 1.8.0
/// adapter for the side-by-side decision (see the posture benchmark's README).
/// </summary>
public sealed class DnsResolverTests
{
    // Generous: on a loaded CI machine the fake server can take hundreds of milliseconds to be scheduled.
    private static DnsResolver Resolver(params string[] servers) => new(new DnsResolverOptions
    {
        Servers = servers,
        Timeout = TimeSpan.FromSeconds(3),
        Attempts = 1,
    });

    private static byte[] TxtAnswer(DnsMessage query, string text, uint ttl = 300) =>
        FakeDnsServer.Answer(query, 0, b => b.Answer(query.Questions[0].Name, DnsRecordType.TXT, ttl, MessageBuilder.Txt(text)));

    /// <summary>Datagrams that reached a socket nobody reads (the silent server), taken off it.</summary>
    private static int Drain(Socket silent)
    {
        var count = 0;
        var buffer = new byte[4096];
        while (silent.Available > 0)
        {
            silent.Receive(buffer);
            count++;
        }

        return count;
    }

    [Fact]
    public async Task QueryAsync_SpoofedIdThenRealAnswer_IgnoresSpoofAndReturnsReal()
    {
        await using var server = new FakeDnsServer(q =>
        [
            FakeDnsServer.Answer(q, 0, b => b.Answer(q.Questions[0].Name, DnsRecordType.TXT, 300, MessageBuilder.Txt("spoofed")), id: (ushort)(q.Id ^ 0x5555)),
            FakeDnsServer.Answer(q, 0, b => b.Answer("other.example", DnsRecordType.TXT, 300, MessageBuilder.Txt("wrong question")), questionName: "other.example"),
            TxtAnswer(q, "genuine"),
        ]);
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.Success, answer.Status);
        Assert.Equal("genuine", Assert.IsType<TxtRecord>(Assert.Single(answer.Records)).Text);
        Assert.Equal(1, server.Queries);
        Assert.Equal(2, resolver.IgnoredResponses);
    }

    [Fact]
    public async Task QueryAsync_SilentServer_ReturnsTimeoutWithinBound()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [silent.LocalEndPoint!.ToString()!], Timeout = TimeSpan.FromMilliseconds(200), Attempts = 2 });
        var stopwatch = Stopwatch.StartNew();

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.A);

        Assert.Equal(DnsResponseStatus.Timeout, answer.Status);
        Assert.True(answer.IsTemporaryFailure);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"took {stopwatch.Elapsed}");
        Assert.Equal(2, Drain(silent));
        Assert.Equal(2, answer.WireQueries);
    }

    [Fact]
    public async Task QueryAsync_ServerOnIpv6Loopback_ReturnsAnswer()
    {
        await using var server = new FakeDnsServer(q => [TxtAnswer(q, "over IPv6")], IPAddress.IPv6Loopback);
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.Success, answer.Status);
        Assert.Equal("over IPv6", Assert.IsType<TxtRecord>(Assert.Single(answer.Records)).Text);
    }

    [Fact]
    public async Task QueryAsync_NothingListensOnServerPort_ReturnsNetworkErrorBeforeTimeout()
    {
        int port;
        using (var closed = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)closed.LocalEndPoint!).Port;
        }

        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [$"127.0.0.1:{port}"], Timeout = TimeSpan.FromSeconds(10), Attempts = 1 });
        var stopwatch = Stopwatch.StartNew();

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.A);

        // The kernel's ICMP port unreachable reaches the connected socket, even when another socket on its port sent the query.
        Assert.Equal(DnsResponseStatus.NetworkError, answer.Status);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task QueryAsync_FirstServerSilent_UsesSecondServer()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var server = new FakeDnsServer(q => [TxtAnswer(q, "from second")]);
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [silent.LocalEndPoint!.ToString()!, server.Endpoint], Timeout = TimeSpan.FromMilliseconds(700), Attempts = 3 });

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.Success, answer.Status);
    }

    [Theory]
    [InlineData(2, DnsResponseStatus.ServerFailure)]
    [InlineData(5, DnsResponseStatus.Refused)]
    [InlineData(3, DnsResponseStatus.NxDomain)]
    [InlineData(0, DnsResponseStatus.NoData)]
    [InlineData(1, DnsResponseStatus.FormatError)]
    public async Task QueryAsync_ResponseCode_MapsToStatus(int rcode, DnsResponseStatus expected)
    {
        await using var server = new FakeDnsServer(q => [FakeDnsServer.Answer(q, rcode)]);
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.MX);

        Assert.Equal(expected, answer.Status);
        Assert.Empty(answer.Records);
    }

    [Fact]
    public async Task QueryAsync_MalformedAnswerWithOurId_ReturnsFormatError()
    {
        await using var server = new FakeDnsServer(q => [[(byte)(q.Id >> 8), (byte)q.Id, 0x84, 0x00, 0, 1, 0, 9]]);
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.A);

        Assert.Equal(DnsResponseStatus.FormatError, answer.Status);
        Assert.NotNull(answer.Error);
    }

    [Fact]
    public async Task QueryAsync_NothingListening_ReturnsFailureWithoutException()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closedPort = probe.LocalEndPoint!.ToString()!;
        probe.Close();
        using var resolver = Resolver(closedPort);

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.A);

        Assert.True(answer.IsTemporaryFailure, answer.Status.ToString());
    }

    [Theory]
    [InlineData("a..example.com")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com")]
    [InlineData("exa\\mple.com")]
    [InlineData("")]
    public async Task QueryAsync_InvalidName_ReturnsInvalidNameWithoutQuerying(string name)
    {
        await using var server = new FakeDnsServer(q => [TxtAnswer(q, "x")]);
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync(name, DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.InvalidName, answer.Status);
        Assert.Equal(0, server.Queries);
    }

    [Fact]
    public async Task QueryAsync_NameOver253_ReturnsInvalidName()
    {
        using var resolver = Resolver("127.0.0.1:9");
        var name = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));

        var answer = await resolver.QueryAsync(name, DnsRecordType.A);

        Assert.Equal(DnsResponseStatus.InvalidName, answer.Status);
    }

    [Fact]
    public async Task QueryAsync_UnicodeName_IsSentAsALabel()
    {
        string? asked = null;
        await using var server = new FakeDnsServer(q =>
        {
            asked = q.Questions[0].Name;
            return [FakeDnsServer.Answer(q, 3)];
        });
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("bücher.example", DnsRecordType.MX);

        Assert.Equal(DnsResponseStatus.NxDomain, answer.Status);
        Assert.Equal("xn--bcher-kva.example", asked);
    }

    [Fact]
    public async Task QueryAsync_RepeatedQuery_IsServedFromCache()
    {
        await using var server = new FakeDnsServer(q => [TxtAnswer(q, "cached")]);
        using var resolver = Resolver(server.Endpoint);

        var first = await resolver.QueryAsync("example.com", DnsRecordType.TXT);
        var second = await resolver.QueryAsync("Example.COM.", DnsRecordType.TXT);

        Assert.Equal(1, server.Queries);
        Assert.Equal(1, first.WireQueries);
        Assert.Equal(0, second.WireQueries);
    }

    [Fact]
    public async Task QueryAsync_NxDomainWithSoa_IsCachedNegatively()
    {
        await using var server = new FakeDnsServer(q => [FakeDnsServer.Answer(q, 3, b => b.Authority("example.com", DnsRecordType.SOA, 600, [.. MessageBuilder.Name("ns.example.com"), .. MessageBuilder.Name("h.example.com"), 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 60]))]);
        using var resolver = Resolver(server.Endpoint);

        await resolver.QueryAsync("gone.example.com", DnsRecordType.A);
        var second = await resolver.QueryAsync("gone.example.com", DnsRecordType.A);

        Assert.Equal(DnsResponseStatus.NxDomain, second.Status);
        Assert.Equal(1, server.Queries);
    }

    [Fact]
    public async Task QueryAsync_ZeroTtl_IsNotCached()
    {
        await using var server = new FakeDnsServer(q => [TxtAnswer(q, "fresh", ttl: 0)]);
        using var resolver = Resolver(server.Endpoint);

        await resolver.QueryAsync("example.com", DnsRecordType.TXT);
        await resolver.QueryAsync("example.com", DnsRecordType.TXT);

        Assert.Equal(2, server.Queries);
    }

    [Fact]
    public async Task QueryAsync_CnameWithoutTargetData_QueriesTheTarget()
    {
        await using var server = new FakeDnsServer(q => q.Questions[0].Name switch
        {
            "alias.example.com" => [FakeDnsServer.Answer(q, 0, b => b.Answer("alias.example.com", DnsRecordType.CNAME, 300, MessageBuilder.Name("target.example.net")))],
            "target.example.net" => [TxtAnswer(q, "at the target")],
            _ => [FakeDnsServer.Answer(q, 3)],
        });
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("alias.example.com", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.Success, answer.Status);
        Assert.Equal("target.example.net", answer.CanonicalName);
        Assert.Equal("at the target", Assert.IsType<TxtRecord>(Assert.Single(answer.Records)).Text);
        Assert.Equal(2, server.Queries);
        Assert.Equal(2, answer.WireQueries);
    }

    [Fact]
    public async Task QueryAsync_CnameLoop_ReturnsCnameLoop()
    {
        await using var server = new FakeDnsServer(q => q.Questions[0].Name switch
        {
            "a.example.com" => [FakeDnsServer.Answer(q, 0, b => b.Answer("a.example.com", DnsRecordType.CNAME, 300, MessageBuilder.Name("b.example.com")))],
            _ => [FakeDnsServer.Answer(q, 0, b => b.Answer("b.example.com", DnsRecordType.CNAME, 300, MessageBuilder.Name("a.example.com")))],
        });
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("a.example.com", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.CnameLoop, answer.Status);
    }

    [Fact]
    public async Task QueryAsync_ManyConcurrentQueries_AllComplete()
    {
        await using var server = new FakeDnsServer(q => [TxtAnswer(q, q.Questions[0].Name)]);
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [server.Endpoint], MaxConcurrentQueries = 4, Timeout = TimeSpan.FromSeconds(2) });

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => resolver.QueryAsync($"n{i}.example.com", DnsRecordType.TXT)));

        Assert.All(answers, a => Assert.Equal(DnsResponseStatus.Success, a.Status));
    }

    [Fact]
    public async Task QueryAsync_CancelledByCaller_ThrowsOperationCanceled()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [silent.LocalEndPoint!.ToString()!], Timeout = TimeSpan.FromSeconds(5) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.QueryAsync("example.com", DnsRecordType.A, cts.Token));
    }

    [Fact]
    public async Task QueryAsync_ServerRejectsEdns_RetriesWithoutOpt()
    {
        var withOpt = 0;
        await using var server = new FakeDnsServer(q =>
        {
            if (q.EdnsPayloadSize is not null)
            {
                withOpt++;
                return [FakeDnsServer.Answer(q, 1)];
            }

            return [TxtAnswer(q, "plain DNS")];
        });
        using var resolver = Resolver(server.Endpoint);

        var answer = await resolver.QueryAsync("example.com", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.Success, answer.Status);
        Assert.Equal(1, withOpt);
        Assert.Equal(2, server.Queries);
        Assert.Equal(2, answer.WireQueries);
    }

    [Fact]
    public async Task QueryAsync_MoreNamesThanCacheEntries_KeepsCacheBounded()
    {
        await using var server = new FakeDnsServer(q => [TxtAnswer(q, "x")]);
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [server.Endpoint], MaxCacheEntries = 10, Timeout = TimeSpan.FromSeconds(2) });

        for (var i = 0; i < 50; i++)
        {
            await resolver.QueryAsync($"n{i}.example.com", DnsRecordType.TXT);
            Assert.InRange(resolver.CachedEntries, 1, 10);
        }
    }
}
