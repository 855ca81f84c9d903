using BackscatterConsole.Shared.Checks;
using MudBlazor;

namespace BackscatterConsole.Client.Components;

/// <summary>How check results read in the portal: status words, their order of seriousness, and family names.</summary>
public static class CheckDisplay
{
    /// <summary>Families in the order an administrator reads them: the SMTP behaviour (the backscatter itself), its MTA causes, then DNS.</summary>
    public static IReadOnlyList<string> FamilyOrder { get; } = ["smtp", "mta", "spf", "dkim", "dmarc", "mx", "dns"];

    /// <summary>The status as the API writes it (<c>pass</c>, <c>fail</c>, ...).</summary>
    public static string Text(CheckStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>0 for the most serious status (fail) up to 5 for pass.</summary>
    public static int Rank(CheckStatus status) => status switch
    {
        CheckStatus.Fail => 0,
        CheckStatus.Warn => 1,
        CheckStatus.Error => 2,
        CheckStatus.Unknown => 3,
        CheckStatus.Info => 4,
        _ => 5,
    };

    /// <summary>Whether a result needs attention: anything but pass and info (a check that could not run is not "fine").</summary>
    public static bool IsProblem(CheckStatus status) => status is CheckStatus.Fail or CheckStatus.Warn or CheckStatus.Error or CheckStatus.Unknown;

    /// <summary>The family of a check id: the part before the first dot.</summary>
    public static string FamilyOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? id : id[..dot];
    }

    public static string FamilyName(string family) => family switch
    {
        "smtp" => "SMTP behaviour",
        "mta" => "MTA settings",
        "spf" => "SPF",
        "dkim" => "DKIM",
        "dmarc" => "DMARC",
        "mx" => "MX",
        "dns" => "DNS",
        _ => family.ToUpperInvariant(),
    };

    public static string FamilyIcon(string family) => family switch
    {
        "smtp" => Icons.Material.Filled.MarkEmailUnread,
        "mta" => Icons.Material.Filled.Tune,
        "spf" => Icons.Material.Filled.AltRoute,
        "dkim" => Icons.Material.Filled.Key,
        "dmarc" => Icons.Material.Filled.Policy,
        "mx" => Icons.Material.Filled.Dns,
        _ => Icons.Material.Filled.Public,
    };

    /// <summary>Orders families as <see cref="FamilyOrder"/> does, unknown ones last by name.</summary>
    public static int FamilyRank(string family)
    {
        var index = FamilyOrder.ToList().IndexOf(family);
        return index < 0 ? FamilyOrder.Count : index;
    }

    /// <summary>Remediation lines that are not one of the commands: manual steps, or the whole text when there are no commands.</summary>
    public static IReadOnlyList<string> ManualSteps(string? remediation, IReadOnlyList<string> commands) =>
        string.IsNullOrEmpty(remediation)
            ? []
            : remediation.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !commands.Contains(l)).ToList();
}
