using BackscatterConsole.Benchmarks.Posture;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Domain.Tests.Spf;

namespace BackscatterConsole.Domain.Tests.Dns;

// The DnsClient 1.8.0 adapter of the posture benchmark held to the same contracts as our resolver, for the side-by-side decision.
public sealed class DnsClientResolverTests : DnsResolverContractTests
{
    protected override IDnsResolver Create(DnsResolverOptions options) => new DnsClientResolver(options);

    protected override int CachedEntries(IDnsResolver resolver)
    {
        Assert.Fail("DnsClient 1.8.0 neither bounds its cache nor tells its size.");
        return 0;
    }
}

[Collection(KnotCollection.Name)]
public sealed class KnotDnsClientResolverTests(KnotFixture knot) : KnotResolverContractTests(knot)
{
    protected override IDnsResolver Create(DnsResolverOptions options) => new DnsClientResolver(options);
}

public sealed class Rfc7208WireDnsClientConformanceTests : Rfc7208WireConformanceContractTests
{
    protected override IDnsResolver Create(DnsResolverOptions options) => new DnsClientResolver(options);
}
