using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Fleet;

/// <summary>The check ids the dashboard treats specially.</summary>
public static class FleetCheckIds
{
    /// <summary>A server's egress address is on a DNS blocklist.</summary>
    public const string DnsblListing = "dnsbl.listing";
}

/// <summary>
/// Servers whose latest completed scan scored within a band of the risk score (or that were never scanned).
/// </summary>
/// <param name="Band">Stable key: <c>0-19</c>, <c>20-39</c>, <c>40-59</c>, <c>60-79</c>, <c>80-100</c> or <c>unscanned</c>.</param>
/// <param name="Label">Text for people.</param>
/// <param name="MinRisk">Lowest score of the band; null for <c>unscanned</c>.</param>
/// <param name="MaxRisk">Highest score of the band; null for <c>unscanned</c>.</param>
/// <param name="Servers">How many servers are in it.</param>
/// <param name="Inventory">The inventory view of these servers, relative to the portal's base address.</param>
public sealed record RiskBandDto(string Band, string Label, int? MinRisk, int? MaxRisk, int Servers, string Inventory);

/// <summary>A server sending null-sender mail to foreign domains within the emission window.</summary>
/// <param name="ServerId">The server.</param>
/// <param name="ServerName">Its name.</param>
/// <param name="NotificationsToForeign">Notifications to foreign recipients in the window, from the mail log.</param>
/// <param name="QueuedToForeign">Null-sender messages to foreign recipients in the queue at the latest report within the window.</param>
/// <param name="Emission">The larger of the two (the figure <c>smtp.bounce-emission</c> judges).</param>
public sealed record FleetEmitterDto(Guid ServerId, string ServerName, int NotificationsToForeign, int QueuedToForeign, int Emission);

/// <summary>A server whose latest scan found an egress address on a blocklist.</summary>
/// <param name="ServerId">The server.</param>
/// <param name="ServerName">Its name.</param>
/// <param name="Listings">How many address-and-zone pairs are listed.</param>
public sealed record FleetListedServerDto(Guid ServerId, string ServerName, int Listings);

/// <summary>A check that fails or warns on servers in their latest completed scan.</summary>
/// <param name="CheckId">The stable check id.</param>
/// <param name="Title">The check's title for a failure.</param>
/// <param name="Failing">Servers where it fails.</param>
/// <param name="Warning">Servers where it warns (and does not fail).</param>
/// <param name="Inventory">The inventory view of those servers.</param>
public sealed record FailingCheckDto(string CheckId, string Title, int Failing, int Warning, string Inventory);

/// <summary>The fleet at a glance (<c>GET /api/v1/fleet/summary</c>); every figure is counted by the database.</summary>
/// <param name="GeneratedAt">When the figures were read.</param>
/// <param name="Servers">Servers in the inventory.</param>
/// <param name="RiskDistribution">Servers per risk band, lowest band first, unscanned last.</param>
/// <param name="EmissionWindowHours">The window "emitting now" sums (<c>Emission:Window</c>).</param>
/// <param name="EmittingCount">Servers emitting backscatter in that window.</param>
/// <param name="Emitting">The (at most ten) largest emitters.</param>
/// <param name="EmittingInventory">The inventory view of every emitting server.</param>
/// <param name="ListedCount">Servers whose latest scan found a blocklist listing.</param>
/// <param name="Listed">The (at most ten) servers with the most listings.</param>
/// <param name="ListedInventory">The inventory view of every listed server.</param>
/// <param name="FailingChecks">The (at most ten) checks failing or warning on the most servers.</param>
public sealed record FleetSummaryDto(
    DateTime GeneratedAt,
    int Servers,
    IReadOnlyList<RiskBandDto> RiskDistribution,
    int EmissionWindowHours,
    int EmittingCount,
    IReadOnlyList<FleetEmitterDto> Emitting,
    string EmittingInventory,
    int ListedCount,
    IReadOnlyList<FleetListedServerDto> Listed,
    string ListedInventory,
    IReadOnlyList<FailingCheckDto> FailingChecks);

/// <summary>The fleet's risk on one day: the scans completed that day.</summary>
/// <param name="Day">UTC start of the day.</param>
/// <param name="AverageRisk">Mean risk score of the day's completed scans; null when none completed.</param>
/// <param name="HighestRisk">Highest risk score that day; null when none completed.</param>
/// <param name="ServersScanned">Distinct servers with a completed scan that day.</param>
public sealed record FleetRiskPointDto(DateTime Day, double? AverageRisk, int? HighestRisk, int ServersScanned);

/// <summary>One day of the fleet's bounce emission, summed over every server's reported hours.</summary>
/// <param name="Day">UTC start of the day.</param>
/// <param name="Notifications">Non-delivery, delay and delivery-status notifications generated.</param>
/// <param name="NotificationsToForeign">Of those, notifications to foreign recipients (backscatter).</param>
/// <param name="ServersReporting">Servers that reported any hour of the day.</param>
/// <param name="ServersEmitting">Servers with a notification to a foreign recipient that day.</param>
public sealed record FleetEmissionDayDto(DateTime Day, int Notifications, int NotificationsToForeign, int ServersReporting, int ServersEmitting);

/// <summary>The fleet over the last <see cref="Days"/> days (<c>GET /api/v1/fleet/trends?days=</c>), one point per UTC day, oldest first.</summary>
/// <param name="Days">Days covered, today included.</param>
/// <param name="From">UTC start of the first day.</param>
/// <param name="To">When the figures were read (the end of the last, partial day).</param>
/// <param name="Risk">Risk per day.</param>
/// <param name="Emission">Bounce emission per day; a day nobody reported has zero servers reporting, not zero emission.</param>
public sealed record FleetTrendsDto(int Days, DateTime From, DateTime To, IReadOnlyList<FleetRiskPointDto> Risk, IReadOnlyList<FleetEmissionDayDto> Emission);

/// <summary>Fleet figures for the dashboard and the API. Read access is enough.</summary>
public interface IFleetService
{
    /// <summary>The day ranges the dashboard offers; the API accepts any value from 1 to <see cref="MaxTrendDays"/>.</summary>
    static IReadOnlyList<int> TrendRanges { get; } = [7, 30, 90];

    /// <summary>The longest trend: emission hours are kept this long by default.</summary>
    const int MaxTrendDays = 90;

    Task<FleetSummaryDto> GetSummaryAsync(CancellationToken cancellationToken);

    /// <summary>Trends over the last <paramref name="days"/> days; invalid (field <c>days</c>) outside 1–<see cref="MaxTrendDays"/>.</summary>
    Task<OperationResult<FleetTrendsDto>> GetTrendsAsync(int days, CancellationToken cancellationToken);
}
