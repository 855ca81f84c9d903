using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Settings;

public sealed class PostfixRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Evaluate_AnySnapshot_CoversEveryMtaCheckOnce()
    {
        var results = MtaRules.Evaluate(Snapshot("", null));

        string[] expected =
        [
            "mta.verify-defer-code", "mta.disabled-mailbox", "mta.quota-notification", "mta.sender-login-mismatch", "mta.unlisted-sender",
            "mta.sender-domain", "mta.policyd", "mta.filter-bounce", "mta.bounce-hygiene", "mta.sender-callout", "smtp.unknown-recipient", "smtp.catch-all",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), results.Select(r => r.Check.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Evaluate_EmptyPostconfN_UsesOnlyDocumentedDefaults()
    {
        var results = MtaRules.Evaluate(Snapshot("", null));

        Assert.Equal(CheckStatus.Pass, Status(results, "smtp.unknown-recipient"));
        Assert.Equal(CheckStatus.Pass, Status(results, "mta.verify-defer-code"));
        Assert.Equal(CheckStatus.Warn, Status(results, "mta.unlisted-sender"));
        Assert.Equal(CheckStatus.Pass, Status(results, "mta.bounce-hygiene"));
        Assert.Equal(CheckStatus.Unknown, Status(results, "mta.disabled-mailbox"));
        Assert.Equal(CheckStatus.Unknown, Status(results, "mta.filter-bounce"));
        Assert.Contains("Postfix default", Check(results, "mta.verify-defer-code").Evidence[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WeakSample_FindsEachProblemWithCommands()
    {
        var results = MtaRules.Evaluate(Snapshot(Samples.Read("postconf-n-weak.txt"), Samples.Read("postconf-P-weak.txt")));

        Assert.Equal(CheckStatus.Fail, Status(results, "smtp.unknown-recipient"));
        Assert.Equal(CheckStatus.Warn, Status(results, "smtp.catch-all"));
        Assert.Equal(CheckStatus.Fail, Status(results, "mta.verify-defer-code"));
        Assert.Equal(CheckStatus.Warn, Status(results, "mta.bounce-hygiene"));
        Assert.Equal(CheckStatus.Warn, Status(results, "mta.unlisted-sender"));
        Assert.Equal(CheckStatus.Warn, Status(results, "mta.policyd"));
        var verify = Single(results, "mta.verify-defer-code");
        Assert.Equal(["postconf", "-e", "unverified_recipient_defer_code=450"], verify.Commands[0].Arguments);
        Assert.Equal(["postfix", "reload"], verify.Commands[^1].Arguments);
        Assert.Contains("postconf -e unverified_recipient_defer_code=450", verify.Check.Remediation, StringComparison.Ordinal);
        var unknown = Single(results, "smtp.unknown-recipient");
        Assert.Contains(unknown.Commands, c => c.Arguments.SequenceEqual(["postconf", "-X", "local_recipient_maps"]));
    }

    [Fact]
    public void Evaluate_SmtpServiceOverride_BeatsMainCf()
    {
        var results = MtaRules.Evaluate(Snapshot(Samples.Read("postconf-n-weak.txt"), Samples.Read("postconf-P-weak.txt")));

        var unknown = Check(results, "smtp.unknown-recipient");
        Assert.DoesNotContain("smtpd_reject_unlisted_recipient = no", unknown.Summary, StringComparison.Ordinal);
        Assert.Contains(unknown.Evidence, e => e == "[smtp/inet] smtpd_reject_unlisted_recipient = yes (master.cf smtp/inet -o override)");
        Assert.Equal(CheckStatus.Pass, Status(results, "mta.sender-domain"));
    }

    [Fact]
    public void Evaluate_BadValueInServiceOverride_FixesTheOverride()
    {
        var results = MtaRules.Evaluate(Snapshot("soft_bounce = no", "smtp/inet/soft_bounce = yes"));

        var hygiene = Single(results, "mta.bounce-hygiene");
        Assert.Equal(CheckStatus.Warn, hygiene.Check.Status);
        Assert.Equal(["postconf", "-P", "smtp/inet/soft_bounce=no"], hygiene.Commands[0].Arguments);
    }

    [Fact]
    public void Evaluate_HardenedSample_Passes()
    {
        var results = MtaRules.Evaluate(Snapshot(Samples.Read("postconf-nf-hardened.txt"), Samples.Read("postconf-P-hardened.txt")));

        foreach (var id in new[] { "smtp.unknown-recipient", "mta.verify-defer-code", "mta.sender-login-mismatch", "mta.unlisted-sender", "mta.sender-domain", "mta.policyd", "mta.bounce-hygiene" })
        {
            Assert.True(Status(results, id) == CheckStatus.Pass, $"{id}: {Check(results, id).Summary}");
        }

        Assert.All(results.Where(r => r.Check.Status == CheckStatus.Pass), r => Assert.Null(r.Check.Remediation));
    }

    [Fact]
    public void Evaluate_TestInstanceAcceptingListener_FailsForThatService()
    {
        var results = MtaRules.Evaluate(Snapshot(Samples.Read("postconf-n-test-instance.txt"), Samples.Read("postconf-P-test-instance.txt")));

        var unknown = Single(results, "smtp.unknown-recipient");
        Assert.Equal(CheckStatus.Fail, unknown.Check.Status);
        Assert.Contains("127.0.0.1:25251/inet", unknown.Check.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:25252/inet", unknown.Check.Summary, StringComparison.Ordinal);
        Assert.Contains(unknown.Commands, c => c.Arguments.SequenceEqual(["postconf", "-PX", "127.0.0.1:25251/inet/local_recipient_maps"]));
    }

    [Fact]
    public void Evaluate_SaslWithoutLoginMaps_FailsWithMapStep()
    {
        var results = MtaRules.Evaluate(Snapshot("smtpd_sasl_auth_enable = yes\nsmtpd_sender_restrictions = reject_non_fqdn_sender", null));

        var login = Single(results, "mta.sender-login-mismatch");
        Assert.Equal(CheckStatus.Fail, login.Check.Status);
        Assert.Contains(login.Commands, c => c.Arguments.SequenceEqual(["postconf", "-e", "smtpd_sender_restrictions=reject_non_fqdn_sender, reject_authenticated_sender_login_mismatch"]));
        Assert.NotEmpty(login.ManualSteps);
    }

    [Fact]
    public void Evaluate_LocalMapsReferencingEmptyParameter_Fails()
    {
        var results = MtaRules.Evaluate(Snapshot("alias_maps =\nlocal_recipient_maps = $alias_maps", null));

        Assert.Equal(CheckStatus.Fail, Status(results, "smtp.unknown-recipient"));
    }

    [Fact]
    public void Evaluate_LocalMapsReferencingFilledParameter_Passes()
    {
        var results = MtaRules.Evaluate(Snapshot("alias_maps = hash:/etc/aliases\nlocal_recipient_maps = proxy:unix:passwd.byname ${alias_maps}", null));

        Assert.Equal(CheckStatus.Pass, Status(results, "smtp.unknown-recipient"));
    }

    [Theory]
    [InlineData("$virtual_mailbox_maps", "virtual_mailbox_maps = hash:/etc/postfix/vmailbox", "hash:/etc/postfix/vmailbox")]
    [InlineData("${unknown_parameter}", "", "${unknown_parameter}")]
    [InlineData("$a $b", "a = 1\nb = $a", "1 1")]
    [InlineData("$loop", "loop = $loop", "$loop")]
    public void Expand_References_ResolveFromSnapshot(string value, string mainCf, string expected)
    {
        var settings = new PostfixSettings(Snapshot(mainCf + "\nprobe_value = " + value, null));

        Assert.Equal(expected, settings.Expand(settings.Get("probe_value")));
    }

    [Fact]
    public void Evaluate_VerifyDefer250WithoutVerification_Warns() =>
        Assert.Equal(CheckStatus.Warn, Status(MtaRules.Evaluate(Snapshot("unverified_recipient_defer_code = 250", null)), "mta.verify-defer-code"));

    [Fact]
    public void Evaluate_ReportedDefaults_BeatTheDocumentedOnesAndSaySo()
    {
        var snapshot = Snapshot("smtpd_recipient_restrictions = reject_unverified_recipient\n", null) with
        {
            ReportedDefaults = new Dictionary<string, string> { ["unverified_recipient_defer_code"] = "250" },
        };

        var deferCode = Check(MtaRules.Evaluate(snapshot), "mta.verify-defer-code");

        Assert.Equal(CheckStatus.Fail, deferCode.Status);
        Assert.Contains(deferCode.Evidence, e => e.Contains("unverified_recipient_defer_code = 250 (Postfix default reported by postconf -h", StringComparison.Ordinal));
    }

    private static SettingsSnapshot Snapshot(string postconfN, string? postconfP) => PostconfParser.ParseSnapshot(postconfN, postconfP, At).Value;

    private static MtaRuleResult Single(IReadOnlyList<MtaRuleResult> results, string id) => Assert.Single(results, r => r.Check.Id == id);

    private static CheckResult Check(IReadOnlyList<MtaRuleResult> results, string id) => Single(results, id).Check;

    private static CheckStatus Status(IReadOnlyList<MtaRuleResult> results, string id) => Check(results, id).Status;
}
