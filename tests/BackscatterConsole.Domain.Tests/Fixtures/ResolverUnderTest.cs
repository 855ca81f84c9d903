using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Domain.Tests.Fixtures;

/// <summary>Any <see cref="IDnsResolver"/> a contract test runs against, disposed with the test when it is disposable.</summary>
public sealed class ResolverUnderTest(IDnsResolver inner) : IDnsResolver, IDisposable
{
    public IDnsResolver Inner { get; } = inner;

    public Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default) =>
        Inner.QueryAsync(name, type, cancellationToken);

    public void Dispose() => (Inner as IDisposable)?.Dispose();
}
