using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Shared.Agents;
using Microsoft.Extensions.Configuration;

namespace BackscatterConsole.Agent.Tests.Configuration;

public sealed class AgentOptionsTests
{
    private static AgentOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new AgentOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(AgentOptions.Section).Bind(options);
        return options;
    }

    /// <summary>Validates a minimal valid configuration for <paramref name="connector"/> plus <paramref name="settings"/>.</summary>
    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string connector, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Agent:ServerUrl"] = "http://127.0.0.1:5000",
            ["Agent:StateDirectory"] = "/var/lib/backscatter-agent",
            ["Agent:Connector"] = connector,
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new AgentOptionsValidator().Validate(null, Bind(all));
    }

    [Fact]
    public void Bind_EnvironmentStyleKeys_FillsNestedConnectorSettings()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Agent:ServerUrl"] = "https://console.example.org",
            ["Agent:StateDirectory"] = "/var/lib/backscatter-agent",
            ["Agent:Connector"] = "Carbonio",
            ["Agent:CommandTimeout"] = "00:00:20",
            ["Agent:Carbonio:Executable"] = "/opt/zextras/bin/carbonio",
            ["Agent:Carbonio:RestartCommand:0"] = "zmmtactl",
            ["Agent:Carbonio:RestartCommand:1"] = "restart",
            ["Agent:MailEnable:Settings:smtp.local-domain-senders-must-authenticate:RegistryKey"] = @"SOFTWARE\Mail Enable\Mail Enable\Connectors\SMTP",
            ["Agent:MailEnable:Settings:smtp.local-domain-senders-must-authenticate:ValueName"] = "LocalAuth",
            ["Agent:MailEnable:RestartCommand:0"] = "net",
        });

        Assert.Equal(AgentConnectorKind.Carbonio, options.ConnectorKind);
        Assert.Equal(TimeSpan.FromSeconds(20), options.CommandTimeout);
        Assert.Equal(["zmmtactl", "restart"], options.Carbonio.RestartCommand);
        Assert.Equal("LocalAuth", options.MailEnable.Settings["smtp.local-domain-senders-must-authenticate"].ValueName);
        Assert.Equal(["net"], options.MailEnable.RestartCommand);
        Assert.True(new AgentOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_MailEnableSettingWithoutValueName_NamesTheKey()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Agent:ServerUrl"] = "https://console.example.org",
            ["Agent:StateDirectory"] = "/var/lib/backscatter-agent",
            ["Agent:Connector"] = "mailenable",
            ["Agent:MailEnable:Settings:catch-alls:RegistryKey"] = @"SOFTWARE\Mail Enable",
        });

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Agent:MailEnable:Settings:catch-alls needs both RegistryKey and ValueName.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PostfixWithRelativeConfigDirectory_Fails()
    {
        var result = Validate("postfix", ("Agent:Postfix:ConfigDirectory", "etc/postfix"));

        Assert.Contains("Agent:Postfix:ConfigDirectory must be an absolute path (got 'etc/postfix').", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hash:/etc/postfix/disabled_mailboxes", true)]
    [InlineData("texthash:/etc/postfix/disabled", true)]
    [InlineData("/etc/postfix/disabled_mailboxes", false)]
    [InlineData("hash:etc/postfix/disabled", false)]
    [InlineData("hash:/etc/postfix/dis abled", false)]
    [InlineData("proxy;rm:/x", false)]
    public void Validate_DisabledMailboxesTable_MustBeTypeAndAbsolutePath(string table, bool valid)
    {
        var result = Validate("postfix", ("Agent:Postfix:DisabledMailboxesTable", table));

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Agent:Postfix:DisabledMailboxesTable must be a Postfix lookup table", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("01:00:00", true)]
    [InlineData("-1.00:00:00", true)]
    [InlineData("2.00:00:00", false)]
    public void Validate_EmissionClockOffset_WithinADay(string offset, bool valid)
    {
        var result = Validate("postfix", ("Agent:Emission:ClockOffset", offset));

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Agent:Emission:ClockOffset", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_MailboxLimitsOutOfRange_NameTheKeys()
    {
        var result = Validate("carbonio", ("Agent:Carbonio:MailboxLimit", "0"), ("Agent:Carbonio:QuotaReportPercent", "150"));

        Assert.Contains("Agent:Carbonio:MailboxLimit must be between 1 and 5000", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Agent:Carbonio:QuotaReportPercent must be between 1 and 100.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WindowsServiceOnLinux_SaysItIsForWindowsOnly()
    {
        var result = Validate("postfix", ("Agent:WindowsService", "true"));

        Assert.Contains("Agent:WindowsService is for Windows only", result.FailureMessage, StringComparison.Ordinal);
    }
}
