using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Tests.Connectors;

public sealed class MailEnableConnectorTests
{
    private static MailEnableConnector Connector()
    {
        var options = new MailEnableConnectorOptions();
        options.Settings["smtp.local-domain-senders-must-authenticate"] = new MailEnableSettingLocation { RegistryKey = @"SOFTWARE\Mail Enable\Mail Enable\Connectors\SMTP", ValueName = "LocalSendersAuth" };
        return new MailEnableConnector(options, new ProcessRunner(), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task EveryOperation_NotWindows_RefusesWithClearMessage()
    {
        Assert.False(OperatingSystem.IsWindows(), "These tests describe the behaviour on Linux, where the suite runs.");
        var connector = Connector();
        var change = new SettingChange("smtp.local-domain-senders-must-authenticate", SettingOperation.Set, "true");

        var read = await connector.ReadAsync(["smtp.local-domain-senders-must-authenticate"], CancellationToken.None);
        var collected = await connector.CollectAsync(CancellationToken.None);
        var applied = await connector.ApplyAsync(change, CancellationToken.None);
        var restored = await connector.RestoreAsync(new SettingValue(change.Name, ["false"], true), CancellationToken.None);
        var activated = await connector.ActivateAsync(CancellationToken.None);

        Assert.Null(read.Values);
        Assert.Null(collected.Snapshot);
        foreach (var step in new[] { read.Step, collected.Step, applied, restored, activated })
        {
            Assert.False(step.Succeeded);
            Assert.StartsWith("Refused: the MailEnable connector works only on Windows", step.Output, StringComparison.Ordinal);
        }

        Assert.Equal(MailEnableConnector.NotWindowsMessage, connector.Refusal(change));
    }
}
