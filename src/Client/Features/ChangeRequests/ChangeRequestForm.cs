using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Client.Features.ChangeRequests;

/// <summary>
/// The request editor's fields as typed: a title, a rationale and one line per server, <c>server-name: check, check</c>,
/// kept as text so that whatever was typed comes back with the errors.
/// </summary>
public sealed class ChangeRequestForm
{
    public string? Title { get; set; }

    public string? Rationale { get; set; }

    public string? Items { get; set; }

    public long Revision { get; set; }

    public static ChangeRequestForm From(ChangeRequestDto request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ChangeRequestForm
        {
            Title = request.Title,
            Rationale = request.Rationale,
            Items = string.Join('\n', request.Items.Select(i => $"{i.ServerName}: {string.Join(", ", i.CheckIds)}")),
            Revision = request.Revision,
        };
    }

    /// <summary>Turns the lines into items, looking servers up by name; unknown names or bad lines go to <paramref name="errors"/>.</summary>
    public async Task<ChangeRequestInput> ToInputAsync(IServerInventory inventory, List<string> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(errors);
        var items = new List<ChangeRequestItemInput>();
        var lines = (Items ?? string.Empty).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        for (var i = 0; i < lines.Count; i++)
        {
            var colon = lines[i].LastIndexOf(':');
            if (colon <= 0)
            {
                errors.Add($"Line {i + 1}: write the server's name, a colon, then the checks to fix.");
                continue;
            }

            var name = lines[i][..colon].Trim();
            var checks = lines[i][(colon + 1)..].Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).ToList();
            var found = await inventory.ListAsync(new ServerQuery(Q: name, PageSize: 50), cancellationToken);
            var server = found.Value?.Items.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
            if (server is null)
            {
                errors.Add($"Line {i + 1}: no server is named '{name}'.");
                continue;
            }

            items.Add(new ChangeRequestItemInput { ServerId = server.Id, CheckIds = checks });
        }

        return new ChangeRequestInput { Title = Title, Rationale = Rationale, Items = items };
    }
}
