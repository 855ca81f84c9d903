using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Agent.Tests.Connectors;

public sealed class ZimbraConnectorTests : IDisposable
{
    private readonly FakeProv _prov = new(new Dictionary<string, string[]>
    {
        ["zimbraMtaRestriction"] = ["reject_non_fqdn_sender"],
        ["zimbraMtaSmtpdRejectUnlistedRecipient"] = ["no"],
        ["zimbraMtaUnverifiedRecipientDeferCode"] = ["250"],
    });

    public void Dispose() => _prov.Dispose();

    private ZimbraConnector Carbonio(string? serverName = null) => new(
        AgentConnectorKind.Carbonio,
        new CarbonioConnectorOptions { Executable = _prov.Carbonio, ServerName = serverName, RestartCommand = [_prov.Zmmtactl, "restart"] },
        new ProcessRunner(),
        TimeSpan.FromSeconds(30),
        TimeSpan.FromSeconds(30));

    [Fact]
    public async Task ApplyAsync_AddMultiValuedWithSpaces_PassesValueAsOneArgument()
    {
        var applied = await Carbonio().ApplyAsync(new SettingChange("zimbraMtaRestriction", SettingOperation.Add, "check_policy_service unix:private/policy"), CancellationToken.None);

        Assert.True(applied.Succeeded, applied.Output);
        Assert.Equal([_prov.Carbonio.Split('/')[^1], "prov", "mcf", "+zimbraMtaRestriction", "check_policy_service unix:private/policy"], _prov.Calls.Single());
        Assert.Equal(["reject_non_fqdn_sender", "check_policy_service unix:private/policy"], _prov.State["zimbraMtaRestriction"]);
        Assert.Contains("'check_policy_service unix:private/policy'", applied.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandIn_ValueSplitLikeAShellString_PrintsTheRealUsageError()
    {
        // What a pasted command with typographic quotes does: the value splits into two arguments.
        var result = await new ProcessRunner().RunAsync([_prov.Carbonio, "prov", "mcf", "+zimbraMtaRestriction", "check_policy_service", "unix:private/policy"], TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("usage: modifyConfig(mcf) attr1 value1 [attr2 value2...]\n", result.StandardOutput);
        Assert.Equal(["reject_non_fqdn_sender"], _prov.State["zimbraMtaRestriction"]);
    }

    [Fact]
    public async Task ApplyAsync_SetAndRemove_UseMcfAndMinusAttribute()
    {
        var connector = Carbonio();

        await connector.ApplyAsync(new SettingChange("zimbraMtaSmtpdRejectUnlistedRecipient", SettingOperation.Set, "yes"), CancellationToken.None);
        await connector.ApplyAsync(new SettingChange("zimbraMtaRestriction", SettingOperation.Remove, "reject_non_fqdn_sender"), CancellationToken.None);

        Assert.Equal(["prov", "mcf", "zimbraMtaSmtpdRejectUnlistedRecipient", "yes"], _prov.Calls[0][1..]);
        Assert.Equal(["prov", "mcf", "-zimbraMtaRestriction", "reject_non_fqdn_sender"], _prov.Calls[1][1..]);
        Assert.Equal(["yes"], _prov.State["zimbraMtaSmtpdRejectUnlistedRecipient"]);
        Assert.Empty(_prov.State["zimbraMtaRestriction"]);
    }

    [Fact]
    public async Task ApplyAsync_AttributeNotOnAllowList_IsRefusedWithoutRunningAnything()
    {
        var applied = await Carbonio().ApplyAsync(new SettingChange("zimbraMailHost", SettingOperation.Set, "evil.example"), CancellationToken.None);

        Assert.False(applied.Succeeded);
        Assert.Contains("not on the Carbonio connector's allow-list", applied.Output, StringComparison.Ordinal);
        Assert.Empty(_prov.Calls);
    }

    [Fact]
    public async Task ApplyAsync_AddOnSingleValuedAttribute_IsRefused()
    {
        var applied = await Carbonio().ApplyAsync(new SettingChange("zimbraMtaUnverifiedRecipientDeferCode", SettingOperation.Add, "450"), CancellationToken.None);

        Assert.False(applied.Succeeded);
        Assert.Contains("only to multi-valued settings", applied.Output, StringComparison.Ordinal);
        Assert.Empty(_prov.Calls);
    }

    [Fact]
    public async Task ReadAsync_GlobalConfig_ReadsOneAttributePerGcfCall()
    {
        var read = await Carbonio().ReadAsync(["zimbraMtaRestriction", "zimbraMtaEnableSmtpdPolicyd"], CancellationToken.None);

        Assert.True(read.Step.Succeeded, read.Step.Output);
        Assert.Equal(["reject_non_fqdn_sender"], read.Values!["zimbraMtaRestriction"].Values);
        Assert.Empty(read.Values["zimbraMtaEnableSmtpdPolicyd"].Values);
        Assert.Equal(["prov", "gcf", "zimbraMtaRestriction"], _prov.Calls[0][1..]);
        Assert.Equal(["prov", "gcf", "zimbraMtaEnableSmtpdPolicyd"], _prov.Calls[1][1..]);
    }

    [Fact]
    public async Task ReadAsync_ServerNameConfigured_ReadsGlobalScopeAndChecksServerValues()
    {
        var read = await Carbonio("mail.example.org").ReadAsync(["zimbraMtaRestriction"], CancellationToken.None);

        Assert.True(read.Step.Succeeded, read.Step.Output);
        Assert.Equal(["reject_non_fqdn_sender"], read.Values!["zimbraMtaRestriction"].Values);
        Assert.Equal(["prov", "gcf", "zimbraMtaRestriction"], _prov.Calls[0][1..]);
        Assert.Equal(["prov", "gs", "-e", "mail.example.org", "zimbraMtaRestriction"], _prov.Calls[1][1..]);
        Assert.DoesNotContain("overrides", read.Step.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ServerOverridesAttribute_KeepsGlobalValueAndSaysTheChangeWillNotReachTheServer()
    {
        using var prov = new FakeProv(new Dictionary<string, string[]>
        {
            ["zimbraMtaSmtpdRejectUnlistedRecipient"] = ["no"],
            ["server:zimbraMtaSmtpdRejectUnlistedRecipient"] = ["FALSE"],
        });
        var connector = new ZimbraConnector(AgentConnectorKind.Carbonio, new CarbonioConnectorOptions { Executable = prov.Carbonio, ServerName = "mail.example.org" }, new ProcessRunner(), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

        var read = await connector.ReadAsync(["zimbraMtaSmtpdRejectUnlistedRecipient"], CancellationToken.None);

        Assert.Equal(["no"], read.Values!["zimbraMtaSmtpdRejectUnlistedRecipient"].Values);
        Assert.Contains("note: mail.example.org overrides zimbraMtaSmtpdRejectUnlistedRecipient (FALSE); a global change does not reach it.", read.Step.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoreAsync_MultiValued_ReplacesAllValuesInOneMcf()
    {
        var connector = Carbonio();
        await connector.ApplyAsync(new SettingChange("zimbraMtaRestriction", SettingOperation.Add, "reject_unknown_sender_domain"), CancellationToken.None);

        var restored = await connector.RestoreAsync(new SettingValue("zimbraMtaRestriction", ["reject_non_fqdn_sender", "check_policy_service unix:private/policy"], true), CancellationToken.None);

        Assert.True(restored.Succeeded, restored.Output);
        Assert.Equal(["prov", "mcf", "zimbraMtaRestriction", "reject_non_fqdn_sender", "zimbraMtaRestriction", "check_policy_service unix:private/policy"], _prov.Calls[^1][1..]);
        Assert.Equal(["reject_non_fqdn_sender", "check_policy_service unix:private/policy"], _prov.State["zimbraMtaRestriction"]);
    }

    [Fact]
    public async Task CollectAsync_Gacf_BuildsCarbonioSnapshotFromAgent()
    {
        var collected = await Carbonio().CollectAsync(CancellationToken.None);

        Assert.True(collected.Step.Succeeded, collected.Step.Output);
        Assert.Equal(MtaPlatform.Carbonio, collected.Snapshot!.Platform);
        Assert.Equal(SettingsSources.Agent, collected.Snapshot.Source);
        Assert.Equal(["250"], collected.Snapshot.Values["zimbraMtaUnverifiedRecipientDeferCode"]);
        Assert.Equal(["prov", "gacf"], _prov.Calls[0][1..]);
        Assert.NotNull(collected.Snapshot.Mailboxes);
        Assert.Empty(collected.Snapshot.Mailboxes.DisabledMailboxes);
    }

    [Fact]
    public async Task CollectAsync_ClosedAndMaintenanceAccounts_ReportsThemWithAliasesAndExactArgumentVectors()
    {
        _prov.SetAccounts(
            new FakeAccount("gone@example.org", "closed", Aliases: ["sales@example.org"]),
            new FakeAccount("quiet@example.org", "closed", MailStatus: "disabled"),
            new FakeAccount("fixing@example.org", "maintenance"),
            new FakeAccount("alice@example.org", "active"));

        var collected = await Carbonio().CollectAsync(CancellationToken.None);

        Assert.True(collected.Step.Succeeded, collected.Step.Output);
        var facts = Assert.IsType<MailboxFacts>(collected.Snapshot!.Mailboxes);
        Assert.False(facts.Truncated);
        Assert.Null(facts.Quota);
        Assert.Equal(["gone@example.org", "fixing@example.org"], facts.DisabledMailboxes.Select(m => m.Mailbox));
        Assert.Equal(["gone@example.org", "sales@example.org"], facts.DisabledMailboxes[0].Addresses);
        Assert.Equal("maintenance", facts.DisabledMailboxes[1].Status);
        Assert.Equal(["prov", "-l", "sa", "(&(zimbraAccountStatus=closed)(zimbraMailStatus=enabled))", "limit", "201"], _prov.Calls[1][1..]);
        Assert.Equal(["prov", "-l", "sa", "(&(zimbraAccountStatus=pending)(zimbraMailStatus=enabled))", "limit", "201"], _prov.Calls[2][1..]);
        Assert.Equal(["prov", "-l", "sa", "(&(zimbraAccountStatus=maintenance)(zimbraMailStatus=enabled))", "limit", "201"], _prov.Calls[3][1..]);
        Assert.Equal(["prov", "-l", "ga", "gone@example.org", "zimbraMailDeliveryAddress", "zimbraMailAlias"], _prov.Calls[4][1..]);
        Assert.Equal(6, _prov.Calls.Count);
        var disabled = Domain.Settings.MtaRules.Evaluate(collected.Snapshot).Single(r => r.Check.Id == "mta.disabled-mailbox");
        Assert.Equal(Shared.Checks.CheckStatus.Fail, disabled.Check.Status);
    }

    [Fact]
    public async Task CollectAsync_MoreAccountsThanTheLimit_SaysTruncatedAndLooksUpAliasesForTheFirstOnly()
    {
        _prov.SetAccounts([.. Enumerable.Range(1, 4).Select(i => new FakeAccount($"closed{i}@example.org", "closed"))]);
        var connector = new ZimbraConnector(AgentConnectorKind.Carbonio, new CarbonioConnectorOptions { Executable = _prov.Carbonio, MailboxLimit = 3, AliasLookupLimit = 1 }, new ProcessRunner(), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

        var collected = await connector.CollectAsync(CancellationToken.None);

        var facts = collected.Snapshot!.Mailboxes!;
        Assert.True(facts.Truncated);
        Assert.Equal(3, facts.DisabledMailboxes.Count);
        Assert.Single(_prov.Calls, c => c.Contains("ga"));
        Assert.Equal("4", _prov.Calls[1][^1]);
    }

    [Fact]
    public async Task CollectAsync_WithServerName_ReportsMailboxesNearOrOverQuota()
    {
        _prov.SetAccounts(
            new FakeAccount("full@example.org", "active", Quota: 1000, Used: 1000),
            new FakeAccount("near@example.org", "active", Quota: 1000, Used: 930),
            new FakeAccount("roomy@example.org", "active", Quota: 1000, Used: 10),
            new FakeAccount("unlimited@example.org", "active"));

        var collected = await Carbonio(serverName: "mail.example.org").CollectAsync(CancellationToken.None);

        var quota = Assert.IsType<QuotaUsage>(collected.Snapshot!.Mailboxes!.Quota);
        Assert.Equal(3, quota.MailboxesWithQuota);
        Assert.Equal(["full@example.org", "near@example.org"], quota.NearOrOver.Select(q => q.Mailbox));
        Assert.Equal(["prov", "gqu", "mail.example.org"], _prov.Calls[^1][1..]);
        var rule = Domain.Settings.MtaRules.Evaluate(collected.Snapshot).Single(r => r.Check.Id == "mta.quota-notification");
        Assert.Equal(Shared.Checks.CheckStatus.Fail, rule.Check.Status);
    }

    [Fact]
    public async Task CollectAsync_AccountSearchFails_KeepsTheSettingsAndLeavesMailboxFactsUnknown()
    {
        _prov.SetAccounts(new FakeAccount("gone@example.org", "closed"));
        var connector = new ZimbraConnector(AgentConnectorKind.Carbonio, new CarbonioConnectorOptions { Executable = _prov.Carbonio, ProvArguments = ["prov"] }, new FailingSearchRunner(), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

        var collected = await connector.CollectAsync(CancellationToken.None);

        Assert.True(collected.Step.Succeeded, collected.Step.Output);
        Assert.NotEmpty(collected.Snapshot!.Values);
        Assert.Null(collected.Snapshot.Mailboxes);
        Assert.Contains("Mailbox facts were not collected", collected.Step.Output, StringComparison.Ordinal);
    }

    /// <summary>Runs the stand-in but makes every account search fail, as an LDAP outage would.</summary>
    private sealed class FailingSearchRunner : ICommandRunner
    {
        private readonly ProcessRunner _inner = new();

        public Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
            arguments.Contains("sa")
                ? Task.FromResult(new CommandResult(arguments, CommandOutcome.Exited, 1, string.Empty, "ERROR: service.FAILURE (system failure: ZimbraLdapContext)", TimeSpan.Zero))
                : _inner.RunAsync(arguments, timeout, cancellationToken);
    }

    [Fact]
    public async Task ActivateAsync_Zimbra_RunsConfiguredRestartAndZmprovHasNoProvPrefix()
    {
        var zimbra = new ZimbraConnector(AgentConnectorKind.Zimbra, new CarbonioConnectorOptions { Executable = _prov.Zmprov, RestartCommand = [_prov.Zmmtactl, "restart"] }, new ProcessRunner(), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

        await zimbra.ApplyAsync(new SettingChange("zimbraMtaUnverifiedRecipientDeferCode", SettingOperation.Set, "450"), CancellationToken.None);
        var restarted = await zimbra.ActivateAsync(CancellationToken.None);

        Assert.True(restarted.Succeeded, restarted.Output);
        Assert.Equal(["zmprov", "mcf", "zimbraMtaUnverifiedRecipientDeferCode", "450"], _prov.Calls[0]);
        Assert.Equal(["zmmtactl", "restart"], _prov.Calls[1]);
    }
}
