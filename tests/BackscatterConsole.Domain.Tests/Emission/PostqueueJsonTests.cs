using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Domain.Tests.Emission;

public sealed class PostqueueJsonTests
{
    private static readonly LocalDomainSet Local = new(["mx.example.test", "localhost", "example.test"]);

    [Fact]
    public void Summarize_RealPostfix37Queue_CountsTheNullSenderPrintedAsMailerDaemon()
    {
        var lines = EmissionSamples.Text("postqueue-j-postfix-3.7.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var messages = lines.Select(l => PostqueueJson.ParseLine(l)).ToList();
        var now = DateTimeOffset.FromUnixTimeSeconds(1796416918 + 60);

        var queue = PostqueueJson.Summarize(messages.Select(m => m!).ToList(), Local.IsLocal, now);

        // 8 queued: alice's own deferred message has a real sender; the 7 notifications (one on hold) have the null sender.
        Assert.All(messages, Assert.NotNull);
        Assert.Equal(8, queue.Messages);
        Assert.Equal(7, queue.NullSenderMessages);
        Assert.Equal(7, queue.NullSenderToForeign);
        Assert.Equal(1796416918 + 60 - 1796415520, queue.OldestNullSenderAgeSeconds);
        Assert.Equal(["86CF4B24056", "94657B24098", "B2DF3B24118"], queue.QueueIds.Take(3));
        Assert.Equal(7, queue.QueueIds.Count);
        Assert.Contains(new DomainCount("foreign5.example.org", 1), queue.RecipientDomains);
        Assert.DoesNotContain(queue.RecipientDomains, d => d.Domain.Contains('@', StringComparison.Ordinal));
    }

    [Fact]
    public void ParseLine_EmptySenderAndCustomEmptyAddressName_AreTheNullSender()
    {
        var empty = PostqueueJson.ParseLine("""{"queue_name": "active", "queue_id": "4jh3MB2d8dz1j3Km", "arrival_time": 1796416918, "message_size": 2351, "forced_expire": false, "sender": "", "recipients": [{"address": "a@one.example"}, {"address": "b@one.example"}, {"address": "c@two.example"}]}""");
        var renamed = PostqueueJson.ParseLine("""{"queue_name": "deferred", "queue_id": "4jh3MB2d8dz1j3Kn", "arrival_time": 1796416918, "message_size": 2351, "sender": "double-bounce", "recipients": []}""", "double-bounce");
        var qualified = PostqueueJson.ParseLine("""{"queue_name": "deferred", "queue_id": "4jh3MB2d8dz1j3Kp", "arrival_time": 1796416918, "message_size": 2351, "sender": "MAILER-DAEMON@example.test", "recipients": []}""");

        Assert.True(empty!.NullSender);
        Assert.Equal(["one.example", "two.example"], empty.RecipientDomains);
        Assert.True(renamed!.NullSender);
        Assert.False(qualified!.NullSender);
    }

    [Theory]
    [InlineData("")]
    [InlineData("postqueue: warning: Mail system is down -- accessing queue directly")]
    [InlineData("""{"queue_name": "deferred", "queue_id": "3D7CFB2405D", "arrival_time": 1796415540, "sender": "MAILER-DAEMON", "recipients": [{"address": "bob@else""")]
    [InlineData("""{"queue_name": "deferred", "queue_id": "3D7CFB2405D", "sender": "MAILER-DAEMON", "recipients": []}""")]
    [InlineData("""["not", "an", "entry"]""")]
    public void ParseLine_NotAQueueEntry_IsNull(string line) => Assert.Null(PostqueueJson.ParseLine(line));

    [Fact]
    public void Summarize_EmptyQueue_IsAllZero()
    {
        var queue = PostqueueJson.Summarize([], Local.IsLocal, DateTimeOffset.UtcNow);

        Assert.Equal(new QueueEmission(0, 0, 0, 0, [], []), queue with { RecipientDomains = [], QueueIds = [] });
        Assert.Empty(queue.QueueIds);
    }
}
