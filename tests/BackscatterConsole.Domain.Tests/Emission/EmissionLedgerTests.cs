using System.Text;
using System.Text.Json;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Domain.Tests.Emission;

public sealed class EmissionLedgerTests
{
    private static readonly DateTime Now = new(2026, 12, 4, 21, 30, 0, DateTimeKind.Utc);
    private static readonly LogClock Clock = new(TimeZoneInfo.Utc, new DateTimeOffset(Now));

    // The test instance's own domains, as postconf -hx printed them (mydestination, virtual_alias_domains, relay_domains).
    private static readonly LocalDomainSet Local = new(["mx.example.test", "localhost", "example.test", "alias.example.test", "relay.example.test"]);

    [Fact]
    public void Report_RealPostfix37Maillog_CountsEveryNotificationAndItsAttemptsInTheirHour()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, EmissionSamples.Bytes("maillog-postfix-3.7.log"));

        var hours = ledger.Report(Now, Local.IsLocal);

        // 5 non-delivery notifications (3 short ids, 2 long ids), 1 delay, 1 delivery status; 22 attempts of those 7 ids;
        // every one to a foreign1…7.example.org sender.
        var hour = Assert.Single(hours, h => h.Start.Hour == 20);
        Assert.Equal((5, 1, 1), (hour.NonDeliveryNotifications, hour.DelayNotifications, hour.DeliveryStatusNotifications));
        Assert.Equal(22, hour.NotificationDeliveries);
        Assert.Equal(7, hour.NotificationsToForeign);
        Assert.Equal(7, hour.RecipientDomains.Count);
        Assert.Contains(new DomainCount("foreign4.example.org", 1), hour.RecipientDomains);
        Assert.Equal(0, hour.UnparsedLines);
        Assert.Equal(new DateTime(2026, 12, 4, 20, 18, 38, DateTimeKind.Utc), ledger.State.OldestLine);
    }

    [Fact]
    public void Report_HoursOfTheLastDay_IncludeZerosFromTheOldestLineAndNothingBeforeIt()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, EmissionSamples.Bytes("maillog-postfix-3.7.log"));

        var hours = ledger.Report(Now, Local.IsLocal);

        // The log starts at 20:18 and the report is made at 21:30: hours 20:00 (counts) and 21:00 (zero).
        Assert.Equal([new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 4, 21, 0, 0, TimeSpan.Zero)], hours.Select(h => h.Start));
        Assert.Equal(0, hours[1].NotificationsToForeign + hours[1].NonDeliveryNotifications);
    }

    [Fact]
    public void Report_SameLogFedInTwoScansWithTheStateStoredBetween_EqualsOneScan()
    {
        var bytes = EmissionSamples.Bytes("maillog-postfix-3.7.log");
        var whole = new EmissionLedger(null, Local, Now);
        Feed(whole, bytes);

        // Cut after a bounce line and before its notification's delivery line, so the pending id must survive the JSON round trip.
        var text = Encoding.ASCII.GetString(bytes);
        var cut = text.IndexOf('\n', text.IndexOf("sender non-delivery notification: 94657B24098", StringComparison.Ordinal)) + 1;
        var first = new EmissionLedger(null, Local, Now);
        Feed(first, bytes.AsSpan(0, cut).ToArray());
        var stored = JsonSerializer.Serialize(first.Snapshot());
        var second = new EmissionLedger(JsonSerializer.Deserialize<EmissionLedgerState>(stored), Local, Now);
        Feed(second, bytes.AsSpan(cut).ToArray());

        Assert.Equal(Json(whole.Report(Now, Local.IsLocal)), Json(second.Report(Now, Local.IsLocal)));
    }

    [Fact]
    public void State_StoredJson_HoldsDomainsAndQueueIdsButNoAddress()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, EmissionSamples.Bytes("maillog-postfix-3.7.log"));

        var stored = JsonSerializer.Serialize(ledger.Snapshot());

        Assert.DoesNotContain("@", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("victim", stored, StringComparison.Ordinal);
        Assert.Contains("foreign1.example.org", stored, StringComparison.Ordinal);
        Assert.Contains("86CF4B24056", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_DeliveryLoggedBeforeItsBounceLine_IsStillCountedOnce()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, """
            Dec 04 20:18:40 mx postfix/qmgr[1]: 86CF4B24056: from=<>, size=2340, nrcpt=1 (queue active)
            Dec 04 20:18:40 mx postfix/smtp[2]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=mx.foreign1.example.org[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)
            Dec 04 20:18:40 mx postfix/bounce[3]: 67900B24019: sender non-delivery notification: 86CF4B24056
            Dec 04 20:18:41 mx postfix/bounce[3]: 67900B24019: sender non-delivery notification: 86CF4B24056
            """);

        var hour = Assert.Single(ledger.Report(Now, Local.IsLocal), h => h.NonDeliveryNotifications > 0);
        Assert.Equal((1, 1, 1), (hour.NonDeliveryNotifications, hour.NotificationDeliveries, hour.NotificationsToForeign));
    }

    [Fact]
    public void Observe_NotificationToALocalSender_IsANotificationButNotForeign()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, """
            Dec 04 20:18:40 mx postfix/bounce[3]: 67900B24019: sender non-delivery notification: 86CF4B24056
            Dec 04 20:18:40 mx postfix/local[2]: 86CF4B24056: to=<alice@example.test>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)
            Dec 04 20:18:41 mx postfix/local[2]: 86CF4B24056: to=<root>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)
            """);

        var hour = Assert.Single(ledger.Report(Now, Local.IsLocal), h => h.NonDeliveryNotifications > 0);
        Assert.Equal(0, hour.NotificationsToForeign);
        Assert.Equal(2, hour.NotificationDeliveries);
    }

    [Fact]
    public void Observe_RetriesInLaterHours_CountAttemptsThereAndTheRecipientInTheNotificationsHour()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, """
            Dec 04 19:58:00 mx postfix/bounce[3]: 67900B24019: sender non-delivery notification: 86CF4B24056
            Dec 04 19:58:00 mx postfix/smtp[2]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.1, delays=0/0/0/0.1, dsn=4.4.1, status=deferred (connect timed out)
            Dec 04 20:08:00 mx postfix/smtp[2]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=600, delays=600/0/0/0.1, dsn=4.4.1, status=deferred (connect timed out)
            Dec 04 20:28:00 mx postfix/smtp[2]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=1800, delays=1800/0/0/0.1, dsn=2.0.0, status=sent (250 ok)
            """);

        var hours = ledger.Report(Now, Local.IsLocal).ToDictionary(h => h.Start.Hour);
        Assert.Equal((1, 1, 1), (hours[19].NonDeliveryNotifications, hours[19].NotificationDeliveries, hours[19].NotificationsToForeign));
        Assert.Equal((0, 2, 0), (hours[20].NonDeliveryNotifications, hours[20].NotificationDeliveries, hours[20].NotificationsToForeign));
    }

    [Fact]
    public void Observe_UnparsedLines_AreCountedInTheirHourOrTheHourOfTheLineBefore()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, """
            Dec 04 19:10:00 mx postfix/smtpd[1]: connect from localhost[127.0.0.1]
            ivery notification: 86CF4B24056
            Dec 04 20:10:00 mx postfix/error[2]: 86CF4B24056: to=<victim1@forei
            """);

        var hours = ledger.Report(Now, Local.IsLocal).ToDictionary(h => h.Start.Hour);
        Assert.Equal(1, hours[19].UnparsedLines);
        Assert.Equal(1, hours[20].UnparsedLines);
    }

    [Fact]
    public void Report_DomainsThatATableQueryFindsLocal_AreNotForeign()
    {
        var ledger = new EmissionLedger(null, LocalDomainSet.Empty, Now);
        Feed(ledger, EmissionSamples.Bytes("maillog-postfix-3.7.log"));

        // As if a mysql: table had answered for foreign1 and foreign2 when the agent queried the candidates.
        var candidates = ledger.CandidateDomains(Now.AddDays(-1));
        var resolved = new LocalDomainSet(["foreign1.example.org", "foreign2.example.org"]);

        Assert.Equal(7, candidates.Count);
        Assert.Equal(5, Assert.Single(ledger.Report(Now, resolved.IsLocal), h => h.Start.Hour == 20).NotificationsToForeign);
    }

    [Fact]
    public void Prune_LinesAndMessagesOlderThanSevenDays_AreDroppedAndTheQuietDayReadsZero()
    {
        var ledger = new EmissionLedger(null, Local, Now);
        Feed(ledger, EmissionSamples.Bytes("maillog-postfix-3.7.log"));
        var stored = JsonSerializer.Serialize(ledger.Snapshot());

        var later = new EmissionLedger(JsonSerializer.Deserialize<EmissionLedgerState>(stored), Local, Now.AddDays(8));

        Assert.Empty(later.State.Hours);
        Assert.Empty(later.State.Pending);

        // The log was read to its end, so the last day is known: 24 zero hours, the old counts gone.
        var hours = later.Report(Now.AddDays(8), Local.IsLocal);
        Assert.Equal(24, hours.Count);
        Assert.All(hours, h => Assert.Equal(0, h.NonDeliveryNotifications + h.NotificationDeliveries + h.NotificationsToForeign));
    }

    internal static void Feed(EmissionLedger ledger, string text) => Feed(ledger, Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n") + "\n"));

    internal static void Feed(EmissionLedger ledger, byte[] bytes)
    {
        ReadOnlySpan<byte> rest = bytes;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            ledger.Observe(PostfixLogParser.Parse(line, Clock));
            rest = end < 0 ? [] : rest[(end + 1)..];
        }
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);
}
