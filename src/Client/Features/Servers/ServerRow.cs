using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Client.Features.Servers;

/// <summary>
/// A row of the inventory grid: the server with its latest risk. Flat, because the grid names sort columns by property,
/// and equal by id, so a selection survives reloads of the page (live updates create new rows).
/// </summary>
public sealed record ServerRow(ServerDto Server, ServerRiskDto? Risk)
{
    public Guid Id => Server.Id;

    public string Name => Server.Name;

    public string Hostname => Server.Hostname;

    public string Platform => Server.Platform;

    public int? RiskScore => Server.RiskScore;

    public DateTime? LastScannedAt => Server.LastScannedAt;

    public DateTime UpdatedAt => Server.UpdatedAt;

    /// <summary>The grid's column names mapped to the inventory's sort keys.</summary>
    public static string? SortKey(string column) => column switch
    {
        nameof(Name) => "name",
        nameof(Hostname) => "hostname",
        nameof(Platform) => "platform",
        nameof(RiskScore) => "risk",
        nameof(LastScannedAt) => "scannedAt",
        nameof(UpdatedAt) => "updatedAt",
        _ => null,
    };

    /// <summary>The reverse of <see cref="SortKey"/>.</summary>
    public static string? Column(string sortKey) => sortKey switch
    {
        "name" => nameof(Name),
        "hostname" => nameof(Hostname),
        "platform" => nameof(Platform),
        "risk" => nameof(RiskScore),
        "scannedAt" => nameof(LastScannedAt),
        "updatedAt" => nameof(UpdatedAt),
        _ => null,
    };

    public bool Equals(ServerRow? other) => other is not null && other.Id == Id;

    public override int GetHashCode() => Id.GetHashCode();
}
