using System.Text;
using System.Text.Json;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Domain.Tests.Emission;

/// <summary>
/// MailEnable runs on Windows only, so its SMTP activity log is a recorded stand-in: <c>SMTP-Activity-261204.log</c> is
/// written in the documented layout (tab-separated, CRLF, the LOG FILE STARTED header): a forged message accepted for an
/// unknown user, the non-delivery report MailEnable sends back (greylisted once, then accepted), a second report, a
/// local user's own mail, and a last line cut short.
/// </summary>
public sealed class MailEnableActivityLogTests
{
    private static readonly DateTime Now = new(2026, 12, 4, 21, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Count_RecordedActivityLog_CountsNullSenderMessagesOnceAndEveryOutboundRecipientAttempt()
    {
        var ledger = new EmissionLedger(null, new LocalDomainSet(["example.test"]), Now);
        Feed(ledger, EmissionSamples.Bytes("SMTP-Activity-261204.log"));

        var hours = ledger.Report(Now, new LocalDomainSet(["example.test"]).IsLocal).ToDictionary(h => h.Start.Hour);

        Assert.Equal((1, 1, 1), (hours[18].NonDeliveryNotifications, hours[18].NotificationDeliveries, hours[18].NotificationsToForeign));
        Assert.Equal([new DomainCount("forged1.example.org", 1)], hours[18].RecipientDomains);
        Assert.Equal((1, 2, 1), (hours[19].NonDeliveryNotifications, hours[19].NotificationDeliveries, hours[19].NotificationsToForeign));
        Assert.Equal([new DomainCount("forged2.example.com", 1)], hours[19].RecipientDomains);
        Assert.Equal(1, hours[19].UnparsedLines);
        Assert.Equal(0, hours[18].UnparsedLines);
    }

    [Fact]
    public void Count_RecordedActivityLog_KeepsNoAddressAndNoSubject()
    {
        var ledger = new EmissionLedger(null, LocalDomainSet.Empty, Now);
        Feed(ledger, EmissionSamples.Bytes("SMTP-Activity-261204.log"));

        var stored = JsonSerializer.Serialize(ledger.Snapshot());

        Assert.DoesNotContain("@", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("Undeliverable", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("Invoice", stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12/04/26 18:02:41\tSMTP-OU\t5E1B77C0.MAI\t1440\t203.0.113.10\tMAIL\tMAIL FROM:<> SIZE=2961\t250 2.1.0 Ok\t23\t14\t\t", MailEnableActivityLog.Kind.NullSenderMail)]
    [InlineData("12/04/26 18:02:41\tSMTP-OU\t5E1B77C0.MAI\t1440\t203.0.113.10\tMAIL\tMAIL FROM:<alice@example.test>\t250 2.1.0 Ok\t23\t14\t\t", MailEnableActivityLog.Kind.Other)]
    [InlineData("12/04/26 18:02:11\tSMTP-IN\t9D2C41A3.MAI\t1432\t198.51.100.23\tMAIL\tMAIL FROM:<>\t250 OK\t45\t42\t\t", MailEnableActivityLog.Kind.Other)]
    [InlineData("12/04/26 18:02:41\tSMTP-OU\t5E1B77C0.MAI\t1440\t203.0.113.10\tRCPT\tRCPT TO:<victim1@forged1.example.org>\t451 4.7.1 Greylisted\t40\t38\t\t", MailEnableActivityLog.Kind.Recipient)]
    [InlineData("[12/04/26 18:00:00]****************** LOG FILE STARTED *******************", MailEnableActivityLog.Kind.Other)]
    [InlineData("12/04/26 18:02:41\tSMTP-XX\t5E1B77C0.MAI\t1440\t203.0.113.10\tMAIL\tMAIL FROM:<>\t250 Ok\t23\t14\t\t", MailEnableActivityLog.Kind.Unparsed)]
    [InlineData("12/04/26 18:02:41\tSMTP-OU\t5E1B77C0.MAI\t1440\t203.0.113.10\tMAIL\tMAIL FROM:\t250 Ok\t23\t14\t\t", MailEnableActivityLog.Kind.Unparsed)]
    [InlineData("13/40/26 18:02:41\tSMTP-OU\t5E1B77C0.MAI\t1440\t203.0.113.10\tMAIL\tMAIL FROM:<>\t250 Ok\t23\t14\t\t", MailEnableActivityLog.Kind.Unparsed)]
    [InlineData("", MailEnableActivityLog.Kind.Blank)]
    public void Parse_ActivityLines_AreClassified(string text, MailEnableActivityLog.Kind kind)
    {
        var clock = new LogClock(TimeZoneInfo.Utc, new DateTimeOffset(Now));

        Assert.Equal(kind, MailEnableActivityLog.Parse(Encoding.UTF8.GetBytes(text), clock).Kind);
    }

    internal static void Feed(EmissionLedger ledger, byte[] bytes)
    {
        var clock = new LogClock(TimeZoneInfo.Utc, new DateTimeOffset(Now));
        ReadOnlySpan<byte> rest = bytes;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            MailEnableActivityLog.Count(MailEnableActivityLog.Parse(line, clock), ledger);
            rest = end < 0 ? [] : rest[(end + 1)..];
        }
    }
}
