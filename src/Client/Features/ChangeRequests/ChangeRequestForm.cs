using System.Text.RegularExpressions;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Client.Features.ChangeRequests;

/// <summary>
/// The request editor's fields as typed: a title, a rationale and one line per server, <c>server-name: check, check</c>,
/// kept as text so that whatever was typed stays on screen with the errors, and the messages for each field.
/// </summary>
public sealed partial class ChangeRequestForm
{
    // The service's item errors are keyed by the item's index (items[2].checkIds); items are built from the lines in order.
    private readonly List<int> _itemLines = [];

    public string? Title { get; set; }

    public string? Rationale { get; set; }

    public string? Items { get; set; }

    /// <summary>The revision the form was filled from; saving an edit names it, so a change made since is not overwritten.</summary>
    public long Revision { get; set; }

    public string? TitleError { get; private set; }

    public string? RationaleError { get; private set; }

    public string? ItemsError { get; private set; }

    /// <summary>What the service refused that belongs to no field (a stale revision, storage unavailable).</summary>
    public OperationResult? Problem { get; private set; }

    public bool HasErrors => TitleError is not null || RationaleError is not null || ItemsError is not null || Problem is not null;

    public static ChangeRequestForm From(ChangeRequestDto request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ChangeRequestForm
        {
            Title = request.Title,
            Rationale = request.Rationale,
            Items = string.Join('\n', request.Items.Select(i => Line(i.ServerName, i.CheckIds))),
            Revision = request.Revision,
        };
    }

    /// <summary>Whether the fields hold the same text as <paramref name="other"/> (the user has not typed anything).</summary>
    public bool HasSameValues(ChangeRequestForm other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Title == other.Title && (Rationale ?? string.Empty) == (other.Rationale ?? string.Empty) && Items == other.Items && Revision == other.Revision;
    }

    /// <summary>One line of the items field.</summary>
    public static string Line(string serverName, IEnumerable<string> checkIds) => $"{serverName}: {string.Join(", ", checkIds)}";

    /// <summary>Replaces the line of <paramref name="serverName"/> (or adds one) with these checks.</summary>
    public void SetLine(string serverName, IReadOnlyCollection<string> checkIds)
    {
        var lines = (Items ?? string.Empty).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        var index = lines.FindIndex(l => ParseLine(l) is { } parsed && string.Equals(parsed.Name, serverName, StringComparison.OrdinalIgnoreCase));
        var line = Line(serverName, checkIds);
        if (index >= 0)
        {
            lines[index] = line;
        }
        else
        {
            lines.Add(line);
        }

        Items = string.Join('\n', lines);
    }

    public void ClearErrors()
    {
        TitleError = RationaleError = ItemsError = null;
        Problem = null;
    }

    /// <summary>
    /// Turns the lines into items, looking servers up by name; a line that is not <c>name: checks</c> or names no server
    /// becomes a message on the items field (and the result is null).
    /// </summary>
    public async Task<ChangeRequestInput?> ToInputAsync(IServerInventory inventory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ClearErrors();
        _itemLines.Clear();
        var errors = new List<string>();
        var items = new List<ChangeRequestItemInput>();
        var lines = (Items ?? string.Empty).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
            {
                continue;
            }

            if (ParseLine(lines[i]) is not { } parsed)
            {
                errors.Add($"Line {i + 1}: write the server's name, a colon, then the checks to fix.");
                continue;
            }

            var found = await inventory.ListAsync(new ServerQuery(Q: parsed.Name, PageSize: 50), cancellationToken);
            var server = found.Value?.Items.FirstOrDefault(s => string.Equals(s.Name, parsed.Name, StringComparison.OrdinalIgnoreCase));
            if (server is null)
            {
                errors.Add($"Line {i + 1}: no server is named '{parsed.Name}'.");
                continue;
            }

            items.Add(new ChangeRequestItemInput { ServerId = server.Id, CheckIds = [.. parsed.Checks] });
            _itemLines.Add(i + 1);
        }

        if (errors.Count > 0)
        {
            ItemsError = string.Join(" ", errors);
            return null;
        }

        return new ChangeRequestInput { Title = Title, Rationale = Rationale, Items = items };
    }

    /// <summary>Puts the service's refusal under the fields it names; the rest goes to <see cref="Problem"/>.</summary>
    public void ShowErrors(OperationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        ClearErrors();
        if (result.Status != OperationStatus.Invalid || result.Errors is not { Count: > 0 } errors)
        {
            Problem = result;
            return;
        }

        var items = new List<string>();
        var other = new Dictionary<string, string[]>();
        foreach (var (key, messages) in errors)
        {
            var text = string.Join(" ", messages);
            if (key == "title")
            {
                TitleError = text;
            }
            else if (key == "rationale")
            {
                RationaleError = text;
            }
            else if (key == "items")
            {
                items.Add(text);
            }
            else if (ItemIndex().Match(key) is { Success: true } match)
            {
                var index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                items.Add(index < _itemLines.Count ? $"Line {_itemLines[index]}: {text}" : text);
            }
            else
            {
                other[key] = messages;
            }
        }

        ItemsError = items.Count > 0 ? string.Join(" ", items) : null;
        Problem = other.Count > 0 ? OperationResult.Invalid(other) : null;
    }

    private static (string Name, IReadOnlyList<string> Checks)? ParseLine(string line)
    {
        var colon = line.LastIndexOf(':');
        if (colon <= 0)
        {
            return null;
        }

        var name = line[..colon].Trim();
        return name.Length == 0 ? null : (name, line[(colon + 1)..].Split([',', ' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"^items\[(\d+)\]")]
    private static partial Regex ItemIndex();
}
