using BackscatterConsole.Agent.Transport;

namespace BackscatterConsole.Server.Tests.Infrastructure;

public static class AgentConnections
{
    /// <summary>Waits until the agent's connection is up; fails at once when the console refused the credential.</summary>
    public static async Task WaitForConnectedAsync(this AgentHubConnection hub, CancellationToken cancellationToken)
    {
        while (!hub.IsConnected)
        {
            if (hub.CredentialRefused.IsCompleted)
            {
                throw new InvalidOperationException("The console refused the agent's credential: " + hub.LastError);
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
