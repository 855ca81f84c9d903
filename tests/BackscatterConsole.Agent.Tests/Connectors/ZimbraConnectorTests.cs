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
        Assert.Equal(["prov", "gacf"], _prov.Calls.Single()[1..]);
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
