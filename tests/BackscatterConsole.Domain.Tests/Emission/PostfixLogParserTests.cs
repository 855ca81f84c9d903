using System.Text;
using BackscatterConsole.Domain.Emission;

namespace BackscatterConsole.Domain.Tests.Emission;

public sealed class PostfixLogParserTests
{
    private static readonly LogClock Utc2026 = new(TimeZoneInfo.Utc, new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Parse_Postfix37MaillogFileBounceLine_IsANonDeliveryNotificationWithBothQueueIds()
    {
        // maillog_file writes the day zero-padded ("Dec 04").
        var line = Parse("Dec 04 20:18:40 mx postfix/bounce[23455]: 67900B24019: sender non-delivery notification: 86CF4B24056");

        Assert.Equal(LogLineKind.Notification, line.Kind);
        Assert.Equal(NotificationKind.NonDelivery, line.Notification);
        Assert.Equal("67900B24019", line.QueueId);
        Assert.Equal("86CF4B24056", line.NotificationQueueId);
        Assert.Equal(new DateTime(2026, 12, 4, 20, 18, 40, DateTimeKind.Utc), line.Time);
    }

    [Theory]
    [InlineData("Dec 04 20:19:00 mx postfix/bounce[23681]: 3D7CFB2405D: sender delay notification: 66AD5B24058", NotificationKind.Delay, "66AD5B24058")]
    [InlineData("Dec 04 20:19:01 mx postfix/bounce[23725]: B8CDDB24074: sender delivery status notification: EB515B240F2", NotificationKind.DeliveryStatus, "EB515B240F2")]
    [InlineData("Dec 04 20:41:58 mx postfix/bounce[11021]: 4jh3MB268mz1j3KL: sender non-delivery notification: 4jh3MB2d8dz1j3Km", NotificationKind.NonDelivery, "4jh3MB2d8dz1j3Km")]
    public void Parse_EachNotificationKindAndLongQueueIds_AreRecognized(string text, NotificationKind kind, string newId)
    {
        var line = Parse(text);

        Assert.Equal(LogLineKind.Notification, line.Kind);
        Assert.Equal(kind, line.Notification);
        Assert.Equal(newId, line.NotificationQueueId);
    }

    [Fact]
    public void Parse_Postfix2SyslogLinesWithSpacePaddedDay_AreReadWithTheYearOfTheReference()
    {
        // Postfix 2.7 on Ubuntu through syslog (a public forum post from 2010; the address replaced).
        var clock = new LogClock(TimeZoneInfo.Utc, new DateTimeOffset(2010, 6, 30, 0, 0, 0, TimeSpan.Zero));

        var bounce = Parse("Jun 29 12:45:40 ubuntu postfix/bounce[1386]: 71DE942C5F: sender non-delivery notification: EBF5C42C63", clock);
        var delivery = Parse("Jun 29 12:45:40 ubuntu postfix/local[1384]: EBF5C42C63: to=<user@ubuntu.localdomain>, relay=local, delay=0.03, delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)", clock);
        var spacePadded = Parse("Mar  5 22:46:08 Magento2 postfix/smtp[15827]: C7DD2144039: to=<www-data@mydomain.example>, relay=secure.example.net[192.0.2.10]:587, delay=1.5, delays=0.01/0/1.1/0.43, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 128761800F6)", clock);

        Assert.Equal(LogLineKind.Notification, bounce.Kind);
        Assert.Equal(new DateTime(2010, 6, 29, 12, 45, 40, DateTimeKind.Utc), bounce.Time);
        Assert.Equal(LogLineKind.Delivery, delivery.Kind);
        Assert.Equal("ubuntu.localdomain", delivery.RecipientDomain);
        Assert.Equal(new DateTime(2010, 3, 5, 22, 46, 8, DateTimeKind.Utc), spacePadded.Time);
        Assert.Equal("mydomain.example", spacePadded.RecipientDomain);
    }

    [Theory]
    [InlineData("2026-12-04T20:18:40.467211+00:00 mx postfix/error[23459]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.11, delays=0/0.05/0/0.06, dsn=4.0.0, status=deferred (nothing leaves this test machine)", 20)]
    [InlineData("2026-12-04T21:18:40.467211+01:00 mx postfix/error[23459]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.11, delays=0/0.05/0/0.06, dsn=4.0.0, status=deferred (nothing leaves this test machine)", 20)]
    [InlineData("2026-12-04T20:18:40Z mx postfix/error[23459]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.11, delays=0/0.05/0/0.06, dsn=4.0.0, status=deferred (nothing leaves this test machine)", 20)]
    [InlineData("2026-12-04T15:18:40.467211-0500 mx postfix/error[23459]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.11, delays=0/0.05/0/0.06, dsn=4.0.0, status=deferred (nothing leaves this test machine)", 20)]
    public void Parse_Rfc3339Stamps_CarryTheirOffset(string text, int utcHour)
    {
        // rsyslog's RSYSLOG_FileFormat (and journalctl -o short-iso-precise, which writes the offset without a colon).
        var line = Parse(text);

        Assert.Equal(LogLineKind.Delivery, line.Kind);
        Assert.Equal(utcHour, line.Time.Hour);
        Assert.Equal(18, line.Time.Minute);
        Assert.Equal("foreign1.example.org", line.RecipientDomain);
        Assert.Equal("86CF4B24056", line.QueueId);
    }

    [Fact]
    public void Parse_QmgrNullSender_IsNullSenderQueuedAndARealSenderIsOther()
    {
        Assert.Equal(LogLineKind.NullSenderQueued, Parse("Dec 04 20:18:40 mx postfix/qmgr[23378]: 86CF4B24056: from=<>, size=2340, nrcpt=1 (queue active)").Kind);
        Assert.Equal(LogLineKind.Other, Parse("Dec 04 20:18:40 mx postfix/qmgr[23378]: 67900B24019: from=<victim1@foreign1.example.org>, size=442, nrcpt=1 (queue active)").Kind);
    }

    [Theory]
    [InlineData("Dec 04 20:18:40 mx postfix/smtpd[23447]: connect from localhost[127.0.0.1]")]
    [InlineData("Dec 04 20:19:00 mx postfix/bounce[23681]: warning: please reduce time unit \"hours\" of \"delay_warning_time_hours\" in delay template")]
    [InlineData("Dec 04 20:42:05 mx postfix/smtpd[11074]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 550 5.1.1 <nobody8@example.test>: Recipient address rejected: User unknown in local recipient table; from=<victim8@foreign8.example.org> to=<nobody8@example.test> proto=ESMTP helo=<vm>")]
    [InlineData("Dec 04 20:18:40 mx postfix/cleanup[23452]: 86CF4B24056: message-id=<20261204201840.86CF4B24056@mx.example.test>")]
    [InlineData("Dec 04 20:18:40 mx postfix/qmgr[23378]: 67900B24019: removed")]
    [InlineData("Dec 04 20:42:03 mx postfix/postfix-script[11065]: refreshing the Postfix mail system")]
    [InlineData("Dec 04 20:18:40 mx postfix-out/bounce[7]: 67900B24019: postmaster non-delivery notification: 86CF4B24057")]
    public void Parse_PostfixLinesAboutOtherThings_AreOther(string text) => Assert.Equal(LogLineKind.Other, Parse(text).Kind);

    [Fact]
    public void Parse_MultiInstanceAndPerServiceTags_AreStillPostfix()
    {
        var outbound = Parse("Dec 04 20:18:40 mx postfix-out/smtp[123]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.1, dsn=4.0.0, status=deferred (x)");
        var service = Parse("Dec 04 20:18:40 mx postfix/relay/smtp[123]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.1, dsn=4.0.0, status=sent (250 ok)");

        Assert.Equal(LogLineKind.Delivery, outbound.Kind);
        Assert.Equal(LogLineKind.Delivery, service.Kind);
    }

    [Theory]
    [InlineData("Dec 04 20:18:40 mx dovecot[812]: lmtp(4242): Connect from local")]
    [InlineData("2026-12-04T20:18:40.1+00:00 mx amavis[1234]: (01234-01) Passed CLEAN")]
    public void Parse_OtherPrograms_AreNotPostfix(string text) => Assert.Equal(LogLineKind.NotPostfix, Parse(text).Kind);

    [Theory]
    [InlineData("Dec 04 20:18:40 mx postfix/bounce[23455]: 67900B24019: sender non-delivery notif")]
    [InlineData("Dec 04 20:18:40 mx postfix/bounce[23455]: 67900B24019: sender non-delivery notification: ")]
    [InlineData("Dec 04 20:18:40 mx postfix/error[23459]: 86CF4B24056: to=<victim1@forei")]
    [InlineData("Dec 04 20:18:40 mx postfix/error[23459]: 86CF4B24056: to=<victim1@foreign1.example.org>, relay=none, delay=0.11, del")]
    [InlineData("Dec 04 20:18:40 mx postfix/qmgr[23378]: 86CF4B24056: from=<victim")]
    [InlineData("ery notification: 86CF4B24056")]
    [InlineData("Dec 04 20:1")]
    [InlineData("Feb 30 10:00:00 mx postfix/smtp[1]: 86CF4B24056: to=<a@b.example>, status=sent (ok)")]
    [InlineData("2026-13-04T20:18:40Z mx postfix/smtp[1]: 86CF4B24056: to=<a@b.example>, status=sent (ok)")]
    public void Parse_LinesCutShortOrMalformed_AreUnparsedNeverGuessed(string text) => Assert.Equal(LogLineKind.Unparsed, Parse(text).Kind);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r")]
    public void Parse_BlankLines_AreBlank(string text) => Assert.Equal(LogLineKind.Blank, Parse(text).Kind);

    [Fact]
    public void LogClock_DecemberLinesReadInJanuary_BelongToTheYearBefore()
    {
        var january = new LogClock(TimeZoneInfo.Utc, new DateTimeOffset(2027, 1, 1, 0, 5, 0, TimeSpan.Zero));

        var december = Parse("Dec 31 23:59:58 mx postfix/bounce[1]: 67900B24019: sender non-delivery notification: 86CF4B24056", january);
        var newYear = Parse("Jan  1 00:00:01 mx postfix/bounce[1]: 67900B24019: sender non-delivery notification: 86CF4B24056", january);

        Assert.Equal(2026, december.Time.Year);
        Assert.Equal(2027, newYear.Time.Year);
    }

    [Fact]
    public void LogClock_ClassicStampsInALocalZone_AreConvertedToUtcWithDaylightSaving()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var clock = new LogClock(berlin, new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTime(2026, 12, 4, 19, 18, 40, DateTimeKind.Utc), Parse("Dec  4 20:18:40 mx postfix/bounce[1]: 67900B24019: sender non-delivery notification: 86CF4B24056", clock).Time);
        Assert.Equal(new DateTime(2026, 7, 4, 18, 18, 40, DateTimeKind.Utc), Parse("Jul  4 20:18:40 mx postfix/bounce[1]: 67900B24019: sender non-delivery notification: 86CF4B24056", clock).Time);
    }

    private static ParsedLine Parse(string text, LogClock? clock = null)
    {
        var line = PostfixLogParser.Parse(Encoding.UTF8.GetBytes(text), clock ?? Utc2026);
        return new ParsedLine(line.Kind, line.Time, Encoding.ASCII.GetString(line.QueueId), Encoding.ASCII.GetString(line.NotificationQueueId), line.Notification, Encoding.ASCII.GetString(line.RecipientDomain));
    }

    private sealed record ParsedLine(LogLineKind Kind, DateTime Time, string QueueId, string NotificationQueueId, NotificationKind Notification, string RecipientDomain);
}
