using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Hosting;

/// <summary>
/// One JSON reading policy for the REST API and both hubs: a property that appears twice in an object is refused
/// (otherwise a proxy or validator that reads the first value and the server that keeps the last one disagree about what
/// was sent), and the refusal names the property.
/// </summary>
internal static class StrictJson
{
    /// <summary>Applies the policy to serializer options (the API's and the hub protocol's).</summary>
    public static void Apply(JsonSerializerOptions options) => options.AllowDuplicateProperties = false;

    /// <summary>The camelCase field path of what the reader stopped at (<c>$.domains[0].name</c> → <c>domains[0].name</c>), or <c>body</c> for the whole document.</summary>
    public static string FieldPath(JsonException exception)
    {
        var path = exception.Path ?? "$";
        path = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return path.Length == 0 ? "body" : path;
    }

    /// <summary>A message for the client: the duplicate named, or the reader's own explanation without its position suffix.</summary>
    public static string Describe(JsonException exception)
    {
        var field = FieldPath(exception);

        // System.Text.Json has no distinct exception type for duplicates; its message is the only marker.
        if (exception.Message.StartsWith("Duplicate propert", StringComparison.Ordinal))
        {
            return $"'{field}' appears more than once in the JSON object; send each property once.";
        }

        var message = exception.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>
    /// Adds SignalR with the strict JSON protocol. Every feature that needs SignalR calls this instead of <c>AddSignalR</c>,
    /// so the plain JSON protocol that each <c>AddSignalR</c> call registers is always swapped out again. Only that one is
    /// swapped: the portal's circuits speak Blazor's own protocol (blazorpack), registered beside it, and a page cannot
    /// start without it. Our hubs accept JSON only, so nobody reaches them through the circuits' binary protocol instead.
    /// </summary>
    public static ISignalRServerBuilder AddStrictSignalR(this IServiceCollection services, Action<HubOptions>? configure = null)
    {
        var builder = configure is null ? services.AddSignalR() : services.AddSignalR(configure);
        foreach (var plain in services.Where(d => d.ServiceType == typeof(IHubProtocol) && d.ImplementationType == typeof(JsonHubProtocol)).ToList())
        {
            services.Remove(plain);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubProtocol, StrictJsonHubProtocol>());
        services.Configure<JsonHubProtocolOptions>(options => Apply(options.PayloadSerializerOptions));

        // The default for every hub; Blazor's circuit hub sets its own list (blazorpack) after this.
        services.Configure<HubOptions>(options => options.SupportedProtocols = ["json"]);
        return builder;
    }

    /// <summary>
    /// SignalR's JSON protocol, except that an argument the serializer refuses is answered with a <see cref="HubException"/>
    /// naming the field: SignalR sends a HubException's message to the caller, while its own binding failure only says
    /// "Error binding arguments".
    /// </summary>
    private sealed class StrictJsonHubProtocol(IOptions<JsonHubProtocolOptions> options) : IHubProtocol
    {
        private readonly JsonHubProtocol _inner = new(options);

        public string Name => _inner.Name;

        public int Version => _inner.Version;

        public TransferFormat TransferFormat => _inner.TransferFormat;

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
        {
            if (!_inner.TryParseMessage(ref input, binder, out message))
            {
                return false;
            }

            if (message is InvocationBindingFailureMessage failure && FindJsonException(failure.BindingFailure.SourceException) is { } json)
            {
                var refusal = new HubException($"The arguments of '{failure.Target}' are not valid JSON: {Describe(json)}");
                message = new InvocationBindingFailureMessage(failure.InvocationId, failure.Target, ExceptionDispatchInfo.Capture(refusal));
            }

            return true;
        }

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);

        public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

        private static JsonException? FindJsonException(Exception exception)
        {
            for (var e = exception; e is not null; e = e.InnerException)
            {
                if (e is JsonException json)
                {
                    return json;
                }
            }

            return null;
        }
    }
}
