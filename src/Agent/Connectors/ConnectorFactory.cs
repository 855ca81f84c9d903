using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Connectors;

/// <summary>Builds the connector named by <c>Agent:Connector</c>.</summary>
public static class ConnectorFactory
{
    /// <summary>Creates the configured connector.</summary>
    public static IMailConnector Create(AgentOptions options, ICommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ConnectorKind switch
        {
            AgentConnectorKind.Postfix => new PostfixConnector(options.Postfix, runner, options.CommandTimeout),
            AgentConnectorKind.Carbonio or AgentConnectorKind.Zimbra => new ZimbraConnector(options.ConnectorKind, options.Carbonio, runner, options.CommandTimeout, options.RestartTimeout),
            _ => new MailEnableConnector(options.MailEnable, runner, options.CommandTimeout),
        };
    }
}
