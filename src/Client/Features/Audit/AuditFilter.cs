using System.Globalization;
using System.Reflection;
using BackscatterConsole.Shared.Audit;
using Microsoft.AspNetCore.WebUtilities;

namespace BackscatterConsole.Client.Features.Audit;

/// <summary>
/// The audit view as it appears in the address bar (<c>audit?action=&amp;actor=&amp;objectType=&amp;objectId=&amp;from=&amp;to=&amp;page=&amp;pageSize=</c>),
/// so a filtered trail can be bookmarked and handed to someone else. The names and meanings are the REST API's: dates are
/// UTC days, <see cref="From"/> inclusive and <see cref="To"/> exclusive.
/// </summary>
public sealed record AuditFilter(
    string? Action = null,
    string? Actor = null,
    string? ObjectType = null,
    string? ObjectId = null,
    DateOnly? From = null,
    DateOnly? To = null,
    int Page = 1,
    int PageSize = AuditFilter.DefaultPageSize)
{
    public const int DefaultPageSize = 50;

    private const string DateFormat = "yyyy-MM-dd";

    /// <summary>Page sizes the grid offers.</summary>
    public static int[] PageSizes { get; } = [25, 50, 100, 200];

    /// <summary>Every action the console records, read from <see cref="AuditActions"/> so a new one is offered at once.</summary>
    public static IReadOnlyList<string> Actions { get; } = typeof(AuditActions)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>The kinds of object the features record entries about.</summary>
    public static IReadOnlyList<string> ObjectTypes { get; } = ["account", "agent", "change-request", "job", "scan", "server", "token", "user"];

    /// <summary>True when any filter narrows the trail (paging does not).</summary>
    public bool IsFiltered => !string.IsNullOrEmpty(Action) || !string.IsNullOrEmpty(Actor) || !string.IsNullOrEmpty(ObjectType)
        || !string.IsNullOrEmpty(ObjectId) || From is not null || To is not null;

    /// <summary>Reads the filter from the address's parameters; a date that does not parse is left out.</summary>
    public static AuditFilter FromAddress(string? action, string? actor, string? objectType, string? objectId, string? from, string? to, int? page, int? pageSize) =>
        new(Blank(action), Blank(actor), Blank(objectType), Blank(objectId), ParseDate(from), ParseDate(to), Math.Max(1, page ?? 1),
            pageSize is { } size && PageSizes.Contains(size) ? size : DefaultPageSize);

    /// <summary>The query the audit reader runs for this view.</summary>
    public AuditQuery ToQuery() => new(Action, Actor, ObjectType, ObjectId, ToUtc(From), ToUtc(To), Page, PageSize);

    /// <summary>The address of this view, relative to the base address; defaults are left out.</summary>
    public string ToUrl()
    {
        var query = Filters();
        if (Page > 1)
        {
            query["page"] = Page.ToString(CultureInfo.InvariantCulture);
        }

        if (PageSize != DefaultPageSize)
        {
            query["pageSize"] = PageSize.ToString(CultureInfo.InvariantCulture);
        }

        return QueryHelpers.AddQueryString("audit", query);
    }

    /// <summary>
    /// The portal's export of every entry matching this view's filters (not only this page). Dates go as UTC instants,
    /// so the server's own time zone cannot shift a day.
    /// </summary>
    public string ExportUrl(string format)
    {
        var query = new Dictionary<string, string?> { ["format"] = format };
        foreach (var (name, value) in Filters())
        {
            query[name] = name is "from" or "to" ? DateOnly.ParseExact(value!, DateFormat, CultureInfo.InvariantCulture).ToString("yyyy-MM-dd'T00:00:00Z'", CultureInfo.InvariantCulture) : value;
        }

        return QueryHelpers.AddQueryString("audit/export", query);
    }

    private Dictionary<string, string?> Filters()
    {
        var query = new Dictionary<string, string?>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                query[name] = value;
            }
        }

        Add("action", Action);
        Add("actor", Actor);
        Add("objectType", ObjectType);
        Add("objectId", ObjectId);
        Add("from", From?.ToString(DateFormat, CultureInfo.InvariantCulture));
        Add("to", To?.ToString(DateFormat, CultureInfo.InvariantCulture));
        return query;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DateOnly? ParseDate(string? value) =>
        DateOnly.TryParseExact(value, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private static DateTime? ToUtc(DateOnly? date) => date?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
