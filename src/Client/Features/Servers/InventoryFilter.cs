using System.Globalization;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.WebUtilities;

namespace BackscatterConsole.Client.Features.Servers;

/// <summary>
/// The inventory view as it appears in the address bar (<c>servers?q=&amp;platform=&amp;tag=&amp;status=&amp;minRisk=&amp;maxRisk=&amp;check=&amp;emitting=&amp;sort=&amp;page=&amp;pageSize=</c>),
/// so a filtered, sorted page can be bookmarked and shared. The same names as the REST API's query.
/// </summary>
public sealed record InventoryFilter(
    string? Q = null,
    string? Platform = null,
    string? Tag = null,
    string? Status = null,
    int? MinRisk = null,
    int? MaxRisk = null,
    string? Sort = null,
    int Page = 1,
    int PageSize = InventoryFilter.DefaultPageSize,
    string? Check = null,
    bool? Emitting = null)
{
    public const int DefaultPageSize = 25;

    /// <summary>Page sizes the grid offers.</summary>
    public static int[] PageSizes { get; } = [10, 25, 50, 100, 200];

    /// <summary>True when any filter narrows the list (sort and page do not).</summary>
    public bool IsFiltered => !string.IsNullOrEmpty(Q) || !string.IsNullOrEmpty(Platform) || !string.IsNullOrEmpty(Tag)
        || !string.IsNullOrEmpty(Status) || MinRisk is not null || MaxRisk is not null || !string.IsNullOrEmpty(Check) || Emitting is not null;

    /// <summary>The query the inventory service runs for this view.</summary>
    public ServerQuery ToQuery() => new(Q, Platform, Tag, Sort, Page, PageSize, MinRisk, MaxRisk, Status, Check, Emitting);

    /// <summary>The address of this view, relative to the base address; defaults are left out.</summary>
    public string ToUrl()
    {
        var query = new Dictionary<string, string?>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                query[name] = value;
            }
        }

        Add("q", Q);
        Add("platform", Platform);
        Add("tag", Tag);
        Add("status", Status);
        Add("minRisk", MinRisk?.ToString(CultureInfo.InvariantCulture));
        Add("maxRisk", MaxRisk?.ToString(CultureInfo.InvariantCulture));
        Add("check", Check);
        Add("emitting", Emitting is { } emitting ? (emitting ? "true" : "false") : null);
        Add("sort", Sort is "name" ? null : Sort);
        Add("page", Page > 1 ? Page.ToString(CultureInfo.InvariantCulture) : null);
        Add("pageSize", PageSize != DefaultPageSize ? PageSize.ToString(CultureInfo.InvariantCulture) : null);
        return QueryHelpers.AddQueryString("servers", query);
    }
}
