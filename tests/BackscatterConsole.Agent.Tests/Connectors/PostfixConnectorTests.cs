using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Agent.Tests.Connectors;

public sealed class PostfixConnectorTests : IDisposable
{
    private readonly PostfixInstance _postfix = new();

    public void Dispose() => _postfix.Dispose();

    private PostfixConnector Connector(string? disabledMailboxesTable = null, string postfixPath = "/usr/sbin/postfix") =>
        new(new PostfixConnectorOptions { ConfigDirectory = _postfix.ConfigDirectory, PostconfPath = "/usr/sbin/postconf", PostfixPath = postfixPath, PostmapPath = "/usr/sbin/postmap", DisabledMailboxesTable = disabledMailboxesTable }, new ProcessRunner(), TimeSpan.FromSeconds(30));

    [Fact]
    public async Task ReadAsync_ExplicitAndDefaultSettings_ReturnsEffectiveValuesAndWhetherExplicit()
    {
        var read = await Connector().ReadAsync(["smtpd_reject_unlisted_recipient", "local_recipient_maps", "unverified_recipient_defer_code"], CancellationToken.None);

        Assert.True(read.Step.Succeeded, read.Step.Output);
        Assert.NotNull(read.Values);
        Assert.Equal(["no"], read.Values["smtpd_reject_unlisted_recipient"].Values);
        Assert.True(read.Values["smtpd_reject_unlisted_recipient"].IsExplicit);
        Assert.Equal([string.Empty], read.Values["local_recipient_maps"].Values);
        Assert.True(read.Values["local_recipient_maps"].IsExplicit);
        Assert.Equal(["450"], read.Values["unverified_recipient_defer_code"].Values);
        Assert.False(read.Values["unverified_recipient_defer_code"].IsExplicit);
        Assert.Contains("postconf -c " + _postfix.ConfigDirectory + " -h smtpd_reject_unlisted_recipient", read.Step.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_RealConfigDirectory_SnapshotFailsUnknownRecipientCheck()
    {
        var collected = await Connector().CollectAsync(CancellationToken.None);

        Assert.True(collected.Step.Succeeded, collected.Step.Output);
        var snapshot = Assert.IsType<SettingsSnapshot>(collected.Snapshot);
        Assert.Equal(SettingsSources.Agent, snapshot.Source);
        Assert.Equal(["no"], snapshot.Values["smtpd_reject_unlisted_recipient"]);
        Assert.Contains(snapshot.ServiceOverrides, o => o.Service == "relay" && o.Name == "syslog_name");
        var unknownRecipient = MtaRules.Evaluate(snapshot).Single(r => r.Check.Id == "smtp.unknown-recipient");
        Assert.Equal(CheckStatus.Fail, unknownRecipient.Check.Status);

        // Defaults come from this Postfix (postconf -h), only for parameters postconf -n does not list.
        var defaults = Assert.IsAssignableFrom<IReadOnlyDictionary<string, string>>(snapshot.ReportedDefaults);
        Assert.Equal("450", defaults["unverified_recipient_defer_code"]);
        Assert.Equal(_postfix.Postconf("smtpd_relay_restrictions"), defaults["smtpd_relay_restrictions"]);
        Assert.False(defaults.ContainsKey("smtpd_reject_unlisted_recipient"));
        Assert.Contains($"postconf -c {_postfix.ConfigDirectory} -h ", collected.Step.Output, StringComparison.Ordinal);
        var deferCode = MtaRules.Evaluate(snapshot).Single(r => r.Check.Id == "mta.verify-defer-code");
        Assert.Contains(deferCode.Check.Evidence, e => e.Contains("reported by postconf -h", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CollectAsync_DisabledMailboxesTable_DumpsItWithPostmapAndGroupsAliases()
    {
        var path = Path.Combine(_postfix.ConfigDirectory, "disabled_mailboxes");
        await File.WriteAllTextAsync(path, "gone@example.org 550 5.2.1 Mailbox disabled\nsales@example.org gone@example.org\nold@example.org REJECT\n");
        var built = await new ProcessRunner().RunAsync(["/usr/sbin/postmap", "-c", _postfix.ConfigDirectory, "hash:" + path], TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.True(built.Succeeded, built.Transcript);
        var table = "hash:" + path;

        var collected = await Connector(table).CollectAsync(CancellationToken.None);

        Assert.True(collected.Step.Succeeded, collected.Step.Output);
        var facts = Assert.IsType<MailboxFacts>(collected.Snapshot!.Mailboxes);
        Assert.Equal(table, facts.Source);
        Assert.Equal(["gone@example.org", "old@example.org"], facts.DisabledMailboxes.Select(m => m.Mailbox).Order(StringComparer.Ordinal));
        Assert.Equal(["gone@example.org", "sales@example.org"], facts.DisabledMailboxes.Single(m => m.Mailbox == "gone@example.org").Addresses.Order(StringComparer.Ordinal));
        Assert.Contains($"postmap -c {_postfix.ConfigDirectory} -s {table}", collected.Step.Output, StringComparison.Ordinal);
        var rule = MtaRules.Evaluate(collected.Snapshot).Single(r => r.Check.Id == "mta.disabled-mailbox");
        Assert.Equal(CheckStatus.Warn, rule.Check.Status);
    }

    [Fact]
    public async Task CollectAsync_DisabledMailboxesTableMissing_KeepsTheSettingsAndSaysWhy()
    {
        var collected = await Connector("hash:" + Path.Combine(_postfix.ConfigDirectory, "no_such_table")).CollectAsync(CancellationToken.None);

        Assert.True(collected.Step.Succeeded, collected.Step.Output);
        Assert.Null(collected.Snapshot!.Mailboxes);
        Assert.Contains("Mailbox facts were not collected", collected.Step.Output, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Unknown, MtaRules.Evaluate(collected.Snapshot).Single(r => r.Check.Id == "mta.disabled-mailbox").Check.Status);
    }

    [Fact]
    public async Task ApplyAsync_AllowedSetting_WritesMainCfThroughPostconf()
    {
        var connector = Connector();

        var applied = await connector.ApplyAsync(new SettingChange("smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes"), CancellationToken.None);

        Assert.True(applied.Succeeded, applied.Output);
        Assert.Equal("yes", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(0, applied.ExitCode);
    }

    [Fact]
    public async Task ApplyAsync_SettingNotOnAllowList_IsRefusedAndNothingRuns()
    {
        var before = _postfix.MainCf;

        var applied = await Connector().ApplyAsync(new SettingChange("content_filter", SettingOperation.Set, "smtp:evil.example:25"), CancellationToken.None);

        Assert.False(applied.Succeeded);
        Assert.StartsWith("Refused: 'content_filter' is not on the Postfix connector's allow-list", applied.Output, StringComparison.Ordinal);
        Assert.Null(applied.ExitCode);
        Assert.Equal(before, _postfix.MainCf);
    }

    [Fact]
    public async Task ApplyAsync_ValueWithLineBreak_IsRefusedSoNoExtraLineReachesMainCf()
    {
        var applied = await Connector().ApplyAsync(new SettingChange("soft_bounce", SettingOperation.Set, "no\ncontent_filter = smtp:evil.example:25"), CancellationToken.None);

        Assert.False(applied.Succeeded);
        Assert.Contains("control characters", applied.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("content_filter", _postfix.MainCf, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoreAsync_SettingThatWasNotExplicit_RemovesItFromMainCf()
    {
        var connector = Connector();
        await connector.ApplyAsync(new SettingChange("unverified_recipient_defer_code", SettingOperation.Set, "250"), CancellationToken.None);
        Assert.Contains("unverified_recipient_defer_code", _postfix.MainCf, StringComparison.Ordinal);

        var restored = await connector.RestoreAsync(new SettingValue("unverified_recipient_defer_code", ["450"], IsExplicit: false), CancellationToken.None);

        Assert.True(restored.Succeeded, restored.Output);
        Assert.DoesNotContain("unverified_recipient_defer_code", _postfix.MainCf, StringComparison.Ordinal);
        Assert.Equal("450", _postfix.Postconf("unverified_recipient_defer_code"));
    }

    [Fact]
    public async Task ApplyAsync_MasterCfOverrideName_SetsAndRestoresTheServiceOverride()
    {
        var connector = Connector();
        const string name = "smtp/inet/smtpd_reject_unlisted_recipient";
        var before = await connector.ReadAsync([name], CancellationToken.None);

        var applied = await connector.ApplyAsync(new SettingChange(name, SettingOperation.Set, "yes"), CancellationToken.None);
        var during = await connector.ReadAsync([name, "smtpd_reject_unlisted_recipient"], CancellationToken.None);
        var restored = await connector.RestoreAsync(before.Values![name], CancellationToken.None);
        var after = await connector.ReadAsync([name], CancellationToken.None);

        Assert.Empty(before.Values[name].Values);
        Assert.False(before.Values[name].IsExplicit);
        Assert.True(applied.Succeeded, applied.Output);
        Assert.Contains($"-P {name}=yes", applied.Output, StringComparison.Ordinal);
        Assert.Equal(["yes"], during.Values![name].Values);
        Assert.Equal(["no"], during.Values["smtpd_reject_unlisted_recipient"].Values);
        Assert.True(restored.Succeeded, restored.Output);
        Assert.Contains($"-PX {name}", restored.Output, StringComparison.Ordinal);
        Assert.Empty(after.Values![name].Values);
    }

    [Fact]
    public async Task ReadAsync_MasterCfOverridesMainCfSetting_NotesThatMainCfChangeDoesNotReachTheService()
    {
        var connector = Connector();
        await connector.ApplyAsync(new SettingChange("smtp/inet/smtpd_reject_unlisted_recipient", SettingOperation.Set, "no"), CancellationToken.None);

        var read = await connector.ReadAsync(["smtpd_reject_unlisted_recipient"], CancellationToken.None);

        Assert.True(read.Step.Succeeded, read.Step.Output);
        Assert.Contains("note: master.cf overrides smtpd_reject_unlisted_recipient = no for smtp/inet; a main.cf change does not reach that service (change smtp/inet/smtpd_reject_unlisted_recipient instead).", read.Step.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp/inet/content_filter")]
    [InlineData("smtp/bogus/smtpd_reject_unlisted_recipient")]
    [InlineData("smtp inet/x/smtpd_reject_unlisted_recipient")]
    public async Task ApplyAsync_OverrideOfDisallowedParameterOrMalformedService_IsRefused(string name)
    {
        var applied = await Connector().ApplyAsync(new SettingChange(name, SettingOperation.Set, "yes"), CancellationToken.None);

        Assert.False(applied.Succeeded);
        Assert.StartsWith("Refused:", applied.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActivateAsync_InstanceNotRunning_ChecksConfigurationInsteadOfReloading()
    {
        var activated = await Connector().ActivateAsync(CancellationToken.None);

        Assert.True(activated.Succeeded, activated.Output);
        Assert.Contains("status", activated.Output, StringComparison.Ordinal);
        Assert.Contains(" check", activated.Output, StringComparison.Ordinal);
        Assert.Contains("not running", activated.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActivateAsync_PostfixProgramMissing_FailsWithNotFound()
    {
        var activated = await Connector(postfixPath: "/nonexistent/postfix").ActivateAsync(CancellationToken.None);

        Assert.False(activated.Succeeded);
        Assert.Contains("program not found", activated.Output, StringComparison.Ordinal);
    }
}
