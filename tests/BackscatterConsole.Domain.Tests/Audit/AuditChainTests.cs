using BackscatterConsole.Domain.Audit;

namespace BackscatterConsole.Domain.Tests.Audit;

public sealed class AuditChainTests
{
    private static List<(AuditContent Content, string PreviousHash, string Hash)> Chain(int count)
    {
        var entries = new List<(AuditContent, string, string)>();
        var previous = AuditChain.Genesis;
        for (var i = 1; i <= count; i++)
        {
            var content = new AuditContent(i, new DateTime(2026, 11, 22, 8, 0, i, DateTimeKind.Utc), Guid.Empty, "admin", "127.0.0.1", "server.updated", "server", $"id-{i}", "{\"a\":1}", "{\"a\":2}", "changed");
            var hash = AuditChain.Hash(previous, content);
            entries.Add((content, previous, hash));
            previous = hash;
        }

        return entries;
    }

    [Fact]
    public void FirstBroken_UntouchedChain_ReturnsNullAndCountsAll()
    {
        Assert.Null(AuditChain.FirstBroken(Chain(5), out var checkedCount));
        Assert.Equal(5, checkedCount);
    }

    [Fact]
    public void FirstBroken_ContentChanged_PointsAtThatEntry()
    {
        var chain = Chain(5);
        chain[2] = (chain[2].Content with { After = "{\"a\":3}" }, chain[2].PreviousHash, chain[2].Hash);

        Assert.Equal(3, AuditChain.FirstBroken(chain, out _));
    }

    [Fact]
    public void FirstBroken_EntryRemoved_PointsAtItsSuccessor()
    {
        var chain = Chain(5);
        chain.RemoveAt(1);

        Assert.Equal(3, AuditChain.FirstBroken(chain, out _));
    }

    [Fact]
    public void FirstBroken_HashRecomputedForChangedEntry_BreaksTheNextOne()
    {
        var chain = Chain(4);
        var forged = chain[1].Content with { ActorName = "mallory" };
        chain[1] = (forged, chain[1].PreviousHash, AuditChain.Hash(chain[1].PreviousHash, forged));

        Assert.Equal(3, AuditChain.FirstBroken(chain, out _));
    }

    [Fact]
    public void Hash_FieldBoundariesMatter()
    {
        var a = new AuditContent(1, DateTime.UnixEpoch, null, "ab", "c", "x", "y", null, null, null, null);
        var b = a with { ActorName = "a", SourceAddress = "bc" };

        Assert.NotEqual(AuditChain.Hash(AuditChain.Genesis, a), AuditChain.Hash(AuditChain.Genesis, b));
    }
}
