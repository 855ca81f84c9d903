using System.Text.Json;
using BackscatterConsole.Agent.Configuration;

namespace BackscatterConsole.Agent.Enrollment;

/// <summary>What the agent keeps after enrolling: who it is, for which server, and its long-lived credential.</summary>
/// <param name="AgentId">The agent's id on the console.</param>
/// <param name="ServerId">The inventory server it acts for.</param>
/// <param name="Credential">The bearer credential for the hub.</param>
/// <param name="ServerUrl">The console it enrolled with; a different <c>Agent:ServerUrl</c> needs a new enrollment.</param>
/// <param name="HubPath">Path of the agents hub.</param>
/// <param name="EnrolledAt">When it enrolled (UTC).</param>
public sealed record AgentIdentity(Guid AgentId, Guid ServerId, string Credential, string ServerUrl, string HubPath, DateTimeOffset EnrolledAt)
{
    /// <summary>The credential is never logged or printed.</summary>
    public override string ToString() => $"agent {AgentId} for server {ServerId} at {ServerUrl}";
}

/// <summary>Reads and writes <c>{StateDirectory}/credential.json</c>, readable by the agent's user only (0600 on Unix).</summary>
public sealed class CredentialStore(StateDirectory state)
{
    /// <summary>File name inside the state directory.</summary>
    public const string FileName = "credential.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Full path of the credential file.</summary>
    public string FilePath => Path.Combine(state.Path, FileName);

    /// <summary>The stored identity, or null when the agent has not enrolled.</summary>
    public AgentIdentity? Load()
    {
        var text = state.ReadAllText(FileName);
        return text is null ? null : JsonSerializer.Deserialize<AgentIdentity>(text, Json);
    }

    /// <summary>Stores the identity, replacing any earlier one.</summary>
    public void Save(AgentIdentity identity) => state.WriteAllText(FileName, JsonSerializer.Serialize(identity, Json));
}
