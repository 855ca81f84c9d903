using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Tests.Hosting;

/// <summary>A JSON object with a property twice is refused by every body-reading endpoint and by the hubs, naming the property.</summary>
public sealed class StrictJsonTests(AppFactory factory) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task EveryJsonBody_DuplicateProperty_Returns400NamingItAndStoresNothing()
    {
        var document = await OpenApiDocument.LoadAsync(factory);
        using var api = factory.CreateApiClient();
        var before = await CountRowsAsync();
        var failures = new List<string>();
        var tried = 0;

        foreach (var operation in document.Operations().Where(o => o.Method is "POST" or "PUT" && o.RequestSchema is not null))
        {
            var schema = document.Resolve(operation.RequestSchema);
            var (property, propertySchema) = schema?["properties"]?.AsObject().First() ?? throw new InvalidOperationException($"{operation.Name}: the body schema has no properties.");
            var value = (document.Sample(propertySchema) ?? JsonValue.Create("x"))!.ToJsonString();
            var body = $"{{\"{property}\":{value},\"{property}\":{value}}}";
            tried++;

            using var request = new HttpRequestMessage(new HttpMethod(operation.Method), operation.SamplePath()) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("If-Match", "*");
            using var response = await api.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{operation.Name}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {text}");
                continue;
            }

            var problem = JsonNode.Parse(text)!;
            var messages = problem["errors"]?[property]?.AsArray().Select(m => m!.GetValue<string>()).ToList();
            if (messages is null || !messages.Any(m => m.Contains($"'{property}' appears more than once", StringComparison.Ordinal)))
            {
                failures.Add($"{operation.Name}: no error keyed '{property}' naming the duplicate: {text}");
            }
        }

        Assert.True(tried >= 15, $"Only {tried} operations with a JSON body were found; the document walk is broken.");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task CreateServer_DuplicateNestedProperty_NamesItsPath()
    {
        using var api = factory.CreateApiClient();
        const string body = """{"name":"dup-nested","hostname":"mx.example.com","platform":"postfix","domains":[{"name":"a.example","name":"b.example"}]}""";

        var response = await api.PostAsync("/api/v1/servers", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("'domains[0].name' appears more than once", problem!["errors"]!["domains[0].name"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await api.GetFromJsonAsync<Shared.Common.PagedResult<ServerDto>>("/api/v1/servers?q=dup-nested"))!.Items);
    }

    [Fact]
    public async Task CreateServer_WrongType_Returns400KeyedByTheField()
    {
        using var api = factory.CreateApiClient();

        var response = await api.PostAsync("/api/v1/servers", new StringContent("""{"name":"typed","smtpPort":"twenty-five"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.NotNull(problem!["errors"]!["smtpPort"]);
    }

    [Fact]
    public async Task AgentsHub_DuplicateProperty_IsRefusedNamingItAndStoresNothing()
    {
        using var api = factory.CreateApiClient();
        var server = (await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "hub-dup-" + Guid.NewGuid().ToString("N")[..6], hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;
        var enrollment = (await (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        var enrolled = (await (await api.PostAsJsonAsync(AgentHub.EnrollPath, new EnrollmentRequest(enrollment.Token, "mx.example.com", AgentConnectorKind.Postfix, "1.0.0", "linux"))).Content.ReadFromJsonAsync<EnrollmentResponse>())!;
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, AgentHub.Path);

        var refused = await hub.InvokeRawAsync(AgentHub.Server.Hello, $$"""[{"agentId":"{{enrolled.AgentId}}","agentVersion":"6.6.6","agentVersion":"7.7.7","connector":"postfix","hostName":"mx.example.com","openJobs":[]}]""");

        Assert.True(refused.TryGetProperty("error", out var error), refused.ToString());
        Assert.Contains("'agentVersion' appears more than once", error.GetString(), StringComparison.Ordinal);
        Assert.Equal("1.0.0", await AgentVersionAsync(enrolled.AgentId));

        // The same call without the duplicate goes through, so the refusal was about the duplicate alone.
        var accepted = await hub.InvokeRawAsync(AgentHub.Server.Hello, $$"""[{"agentId":"{{enrolled.AgentId}}","agentVersion":"6.6.6","connector":"postfix","hostName":"mx.example.com","openJobs":[]}]""");
        Assert.False(accepted.TryGetProperty("error", out _), accepted.ToString());
        Assert.Equal("6.6.6", await AgentVersionAsync(enrolled.AgentId));
    }

    [Fact]
    public void HubProtocols_BothHubs_ShareOneStrictJsonProtocol()
    {
        // Hubs pick their protocol by name from one registration, so the status hub reads arguments exactly as the
        // agents hub does (its methods take ids only, so no object of its own could carry a duplicate).
        var protocols = factory.Services.GetServices<IHubProtocol>().ToList();
        var protocol = Assert.Single(protocols, p => p.Name == "json");

        // Blazor's circuits need their own protocol; our hubs still take JSON alone.
        Assert.Contains(protocols, p => p.Name == "blazorpack");
        // A hub without a list of its own takes the global one (HubConnectionHandler reads its hub's, then the global).
        var global = factory.Services.GetRequiredService<IOptions<HubOptions>>().Value.SupportedProtocols;
        Assert.Equal(["json"], factory.Services.GetRequiredService<IOptions<HubOptions<StatusHub>>>().Value.SupportedProtocols ?? global);
        Assert.Equal(["json"], factory.Services.GetRequiredService<IOptions<HubOptions<AgentsHub>>>().Value.SupportedProtocols ?? global);

        var frame = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("""{"type":1,"invocationId":"1","target":"Probe","arguments":[{"name":"a","name":"b"}]}""" + "\u001e"));
        Assert.True(protocol.TryParseMessage(ref frame, new ObjectBinder(), out var message));

        var failure = Assert.IsType<InvocationBindingFailureMessage>(message);
        var refusal = Assert.IsType<HubException>(failure.BindingFailure.SourceException);
        Assert.Contains("'name' appears more than once", refusal.Message, StringComparison.Ordinal);
    }

    private async Task<string> AgentVersionAsync(Guid agentId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Agents.Where(a => a.Id == agentId).Select(a => a.Version).SingleAsync();
    }

    private sealed class ObjectBinder : IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(ServerInput)];

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }

    private async Task<string> CountRowsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var counts = new[]
        {
            await db.Servers.CountAsync(), await db.Users.CountAsync(), await db.ApiTokens.CountAsync(), await db.ChangeRequests.CountAsync(),
            await db.Jobs.CountAsync(), await db.Scans.CountAsync(), await db.SettingsSnapshots.CountAsync(), await db.AgentEnrollments.CountAsync(),
            await db.Agents.CountAsync(), await db.AuditEntries.CountAsync(),
        };
        return JsonSerializer.Serialize(counts);
    }
}
