using System.Text.Json;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Tests.Contracts;

/// <summary>The wire form of the agents hub payloads, as SignalR's JSON protocol (camelCase, string enums) writes them.</summary>
public sealed class AgentContractJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Serialize_JobStepEvent_UsesCamelCaseAndLowercaseStates()
    {
        var step = new JobStepEvent(Guid.Parse("11111111-2222-3333-4444-555555555555"), 3, "reload", JobStepState.Succeeded,
            DateTimeOffset.Parse("2026-11-22T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-11-22T07:00:01Z", System.Globalization.CultureInfo.InvariantCulture), "ok", 0);

        var json = JsonSerializer.Serialize(step, Web);

        Assert.Equal("""{"jobId":"11111111-2222-3333-4444-555555555555","sequence":3,"name":"reload","state":"succeeded","startedAt":"2026-11-22T07:00:00+00:00","finishedAt":"2026-11-22T07:00:01+00:00","output":"ok","exitCode":0}""", json);
    }

    [Fact]
    public void Serialize_JobDispatchAndCompletion_UseOperationAndStateNamesOfTheApi()
    {
        var change = JsonSerializer.Serialize(new SettingChange("zimbraMtaRestriction", SettingOperation.Add, "check_policy_service unix:private/policy"), Web);
        var completion = JsonSerializer.Serialize(new JobCompletion(Guid.Empty, AgentJobState.RolledBack, [], "reload failed", DateTimeOffset.UnixEpoch), Web);

        Assert.Equal("""{"name":"zimbraMtaRestriction","operation":"add","value":"check_policy_service unix:private/policy"}""", change);
        Assert.Contains("\"state\":\"rolled-back\"", completion, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_EnrollmentResponseFromServer_ReadsCamelCase()
    {
        var response = JsonSerializer.Deserialize<EnrollmentResponse>("""{"agentId":"0b5f2a9c-1d44-4e0f-a6a1-3c9d2e7f8a10","serverId":"6d1f2f0e-35a4-4a4f-9d8e-2a3f0c1b5e77","credential":"c","hubPath":"/hubs/agents"}""", Web)!;

        Assert.Equal("c", response.Credential);
        Assert.Equal(AgentHub.Path, response.HubPath);
    }
}
