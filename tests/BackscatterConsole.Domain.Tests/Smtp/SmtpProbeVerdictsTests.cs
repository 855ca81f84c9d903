using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Domain.Tests.Smtp;

public sealed class SmtpProbeVerdictsTests
{
    private const string PostfixUnknown = "550 5.1.1 <{0}>: Recipient address rejected: User unknown in local recipient table";
    private const string PostfixVirtualUnknown = "550 5.1.1 <{0}>: Recipient address rejected: User unknown in virtual mailbox table";
    private const string ExchangeUnknown = "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {0} not found by SMTP address lookup";
    private const string ZimbraAccept = "250 2.1.5 Ok";
    private const string MailEnableAccept = "250 Requested mail action okay, completed";
    private const string Greylisted = "450 4.2.0 <{0}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html";
    private const string VerifyTempfail = "450 4.1.1 <{0}>: Recipient address rejected: unverified address: Address verification in progress";
    private const string RelayDenied = "554 5.7.1 <{0}>: Relay access denied";
    private const string RblBlocked = "554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org";

    [Theory]
    [InlineData(PostfixUnknown, CheckStatus.Pass)]
    [InlineData(PostfixVirtualUnknown, CheckStatus.Pass)]
    [InlineData(ExchangeUnknown, CheckStatus.Pass)]
    [InlineData(ZimbraAccept, CheckStatus.Fail)]
    [InlineData(MailEnableAccept, CheckStatus.Fail)]
    [InlineData(Greylisted, CheckStatus.Warn)]
    [InlineData(VerifyTempfail, CheckStatus.Warn)]
    public void Evaluate_RandomRecipientReply_MapsToStatus(string rcptReply, CheckStatus expected)
    {
        var result = Result(rcptReply, control: null);

        var check = Single(result, SmtpProbeVerdicts.UnknownRecipientId);

        Assert.Equal(expected, check.Status);
        Assert.Contains(check.Evidence, e => e.Contains("RCPT TO:<", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_GreylistedRecipient_SummaryHasRetryHint()
    {
        var check = Single(Result(Greylisted, control: null), SmtpProbeVerdicts.UnknownRecipientId);

        Assert.Contains("probe again", check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RejectionButControlRejectedToo_IsNeverPass()
    {
        var check = Single(Result(PostfixUnknown, control: RblBlocked), SmtpProbeVerdicts.UnknownRecipientId);

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("control", check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_PolicyRejectionWithoutControl_IsInconclusive()
    {
        var check = Single(Result(RelayDenied, control: null), SmtpProbeVerdicts.UnknownRecipientId);

        Assert.Equal(CheckStatus.Warn, check.Status);
    }

    [Fact]
    public void Evaluate_PolicyRejectionWithAcceptedControl_Passes()
    {
        var check = Single(Result(RelayDenied, control: ZimbraAccept), SmtpProbeVerdicts.UnknownRecipientId);

        Assert.Equal(CheckStatus.Pass, check.Status);
    }

    [Fact]
    public void Evaluate_BothRandomAddressesAccepted_WarnsCatchAll()
    {
        var check = Single(Result(ZimbraAccept, control: null), SmtpProbeVerdicts.CatchAllId);

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.NotNull(check.Remediation);
    }

    [Fact]
    public void Evaluate_RandomRejected_CatchAllPasses() =>
        Assert.Equal(CheckStatus.Pass, Single(Result(PostfixUnknown, control: null), SmtpProbeVerdicts.CatchAllId).Status);

    [Theory]
    [InlineData("250 2.1.5 Ok", CheckStatus.Fail)]
    [InlineData(RelayDenied, CheckStatus.Pass)]
    [InlineData("454 4.7.1 <{0}>: Relay access denied", CheckStatus.Warn)]
    public void Evaluate_RelayReply_MapsToStatus(string relayReply, CheckStatus expected) =>
        Assert.Equal(expected, Single(Result(PostfixUnknown, control: null, relay: relayReply), SmtpProbeVerdicts.OpenRelayId).Status);

    [Fact]
    public void Evaluate_MailFromRefused_ErrorsInsteadOfPassing()
    {
        var result = Result(PostfixUnknown, control: null) with
        {
            MailFromReply = Reply("554 5.7.1 <probe@sink.example>: Sender address rejected: Access denied"),
            Recipients = [],
        };

        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.Equal(CheckStatus.Error, Single(result, SmtpProbeVerdicts.UnknownRecipientId).Status);
        Assert.Contains("MAIL FROM was refused", Single(result, SmtpProbeVerdicts.UnknownRecipientId).Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(checks, c => c.Status == CheckStatus.Pass);
    }

    [Fact]
    public void Evaluate_ConnectionRefused_AllRecipientChecksError()
    {
        var result = new SmtpProbeResult
        {
            Host = "192.0.2.1",
            Port = 25,
            StartedAt = DateTimeOffset.UnixEpoch,
            FinishedAt = DateTimeOffset.UnixEpoch,
            Failure = new SmtpProbeFailure(SmtpProbeFailureKind.ConnectionRefused, SmtpProbeStage.Connect, "ConnectionRefused: Connection refused", null),
            HostedDomains = ["example.org"],
            RelayTestConfigured = true,
            CatchAllTestConfigured = true,
        };

        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.All(checks, c => Assert.Equal(CheckStatus.Error, c.Status));
        Assert.All(checks, c => Assert.Contains("Connection refused", c.Summary, StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_OneDomainFailsOtherPasses_Fails()
    {
        var result = Result(PostfixUnknown, control: null) with
        {
            HostedDomains = ["example.org", "example.net"],
        };
        result = result with
        {
            Recipients =
            [
                .. result.Recipients,
                new SmtpRecipientProbe(SmtpRecipientKind.RandomUnknown, "example.net", "b@example.net", Reply(ZimbraAccept)),
                new SmtpRecipientProbe(SmtpRecipientKind.SecondRandomUnknown, "example.net", "c@example.net", Reply(ZimbraAccept)),
            ],
        };

        var check = Single(result, SmtpProbeVerdicts.UnknownRecipientId);

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("example.net", check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_StartTlsNotOffered_Warns() =>
        Assert.Equal(CheckStatus.Warn, Single(Result(PostfixUnknown, control: null), SmtpProbeVerdicts.StartTlsId).Status);

    private static CheckResult Single(SmtpProbeResult result, string id) =>
        Assert.Single(SmtpProbeVerdicts.Evaluate(result), c => c.Id == id);

    private static SmtpReply Reply(string line)
    {
        Assert.True(SmtpReplyParser.TryParse([line], out var reply, out var error), error);
        return reply!;
    }

    [Theory]
    [InlineData("250 2.1.5 Ok", null, CheckStatus.Fail)]
    [InlineData("550 5.2.1 <nobody@example.org>: Recipient address rejected: Mailbox disabled", "250 2.1.5 Ok", CheckStatus.Pass)]
    [InlineData("550 5.2.1 <nobody@example.org>: Recipient address rejected: Mailbox disabled", RblBlocked, CheckStatus.Warn)]
    [InlineData("450 4.2.1 <nobody@example.org>: Recipient address rejected: try later", null, CheckStatus.Warn)]
    public void DisabledMailboxes_NamedRecipientReply_MapsToStatus(string rcptReply, string? control, CheckStatus expected)
    {
        var result = Result(PostfixUnknown, control) is var r
            ? r with { Recipients = [.. r.Recipients, new SmtpRecipientProbe(SmtpRecipientKind.Named, "example.org", "alias@example.org", Reply(rcptReply))] }
            : throw new InvalidOperationException();

        var check = SmtpProbeVerdicts.DisabledMailboxes(result, new Dictionary<string, string> { ["alias@example.org"] = "nobody@example.org" });

        Assert.Equal(SmtpProbeVerdicts.DisabledMailboxId, check.Id);
        Assert.Equal(expected, check.Status);
        Assert.Contains(check.Evidence, e => e.Contains("alias@example.org> (disabled mailbox nobody@example.org)", StringComparison.Ordinal));
    }

    [Fact]
    public void DisabledMailboxes_SessionEndedBeforeTheRecipient_IsErrorNeverPass()
    {
        var result = Result(PostfixUnknown, control: null) with
        {
            Recipients = [new SmtpRecipientProbe(SmtpRecipientKind.Named, "example.org", "nobody@example.org", null)],
            Failure = new SmtpProbeFailure(SmtpProbeFailureKind.Timeout, SmtpProbeStage.RcptTo, "No reply within 60 s.", null),
        };

        var check = SmtpProbeVerdicts.DisabledMailboxes(result, new Dictionary<string, string>());

        Assert.Equal(CheckStatus.Error, check.Status);
        Assert.Contains("No reply within 60 s.", check.Summary, StringComparison.Ordinal);
    }

    private static SmtpProbeResult Result(string rcptReply, string? control, string? relay = null)
    {
        const string first = "5f0c2a9e7b1d4c3e8a6b9d2e1f0a7c4b@example.org";
        const string second = "0a1b2c3d4e5f60718293a4b5c6d7e8f9@example.org";
        List<SmtpRecipientProbe> recipients =
        [
            new(SmtpRecipientKind.RandomUnknown, "example.org", first, Reply(string.Format(System.Globalization.CultureInfo.InvariantCulture, rcptReply, first))),
            new(SmtpRecipientKind.SecondRandomUnknown, "example.org", second, Reply(string.Format(System.Globalization.CultureInfo.InvariantCulture, rcptReply, second))),
        ];
        if (control is not null)
        {
            recipients.Add(new(SmtpRecipientKind.Control, "example.org", "postmaster@example.org", Reply(control)));
        }

        if (relay is not null)
        {
            recipients.Add(new(SmtpRecipientKind.Relay, "example.com", "r@example.com", Reply(string.Format(System.Globalization.CultureInfo.InvariantCulture, relay, "r@example.com"))));
        }

        return new SmtpProbeResult
        {
            Host = "mx.example.org",
            Port = 25,
            StartedAt = DateTimeOffset.UnixEpoch,
            FinishedAt = DateTimeOffset.UnixEpoch,
            Greeting = Reply("220 mx.example.org ESMTP Postfix"),
            HelloReply = Reply("250 mx.example.org"),
            MailFromReply = Reply("250 2.1.0 Ok"),
            Recipients = recipients,
            HostedDomains = ["example.org"],
            ControlConfigured = control is not null,
            RelayTestConfigured = relay is not null,
            CatchAllTestConfigured = true,
        };
    }
}
