using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Settings;

/// <summary>Where an effective Postfix value came from.</summary>
public enum PostfixValueOrigin
{
    /// <summary>A master.cf <c>-o</c> override on the service (beats main.cf).</summary>
    ServiceOverride,

    /// <summary>main.cf, as listed by <c>postconf -n</c>.</summary>
    MainCf,

    /// <summary>Not set: the default this Postfix reported with <c>postconf -h</c> (collected by the agent).</summary>
    ReportedDefault,

    /// <summary>Not set: the default documented in postconf(5).</summary>
    DocumentedDefault,

    /// <summary>Not set and no default is known here.</summary>
    Absent,
}

/// <summary>One effective Postfix parameter for one service.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="Value">Effective value; null when <see cref="Origin"/> is <see cref="PostfixValueOrigin.Absent"/>.</param>
/// <param name="Origin">Where the value came from.</param>
/// <param name="Service">The <c>service/type</c> it was resolved for.</param>
public sealed record PostfixValue(string Name, string? Value, PostfixValueOrigin Origin, string Service)
{
    /// <summary>True when the value is a default (reported or documented), not something the administrator set.</summary>
    public bool IsDefault => Origin is PostfixValueOrigin.ReportedDefault or PostfixValueOrigin.DocumentedDefault;

    /// <summary>Evidence line: <c>smtpd_reject_unlisted_recipient = no (master.cf smtp/inet -o)</c>.</summary>
    public string Evidence => $"{Name} = {Value ?? "(not set)"} ({OriginText})";

    private string OriginText => Origin switch
    {
        PostfixValueOrigin.ServiceOverride => $"master.cf {Service} -o override",
        PostfixValueOrigin.MainCf => "main.cf",
        PostfixValueOrigin.ReportedDefault => "Postfix default reported by postconf -h, not in postconf -n",
        PostfixValueOrigin.DocumentedDefault => "Postfix default, not in postconf -n",
        _ => "not set, default unknown",
    };
}

/// <summary>
/// Resolves effective Postfix parameters from a snapshot: a master.cf override on the service beats main.cf, and main.cf
/// beats the default. Only defaults documented in postconf(5) for Postfix 3.x are used; anything else absent stays absent.
/// </summary>
public sealed class PostfixSettings
{
    /// <summary>The MX-facing smtpd service of a stock master.cf.</summary>
    public const string SmtpService = "smtp/inet";

    /// <summary>The smtpd behind postscreen, when postscreen is used.</summary>
    public const string PostscreenSmtpdService = "smtpd/pass";

    /// <summary>Restriction lists searched for restriction keywords.</summary>
    public static readonly IReadOnlyList<string> RestrictionLists =
    [
        "smtpd_client_restrictions",
        "smtpd_helo_restrictions",
        "smtpd_sender_restrictions",
        "smtpd_relay_restrictions",
        "smtpd_recipient_restrictions",
        "smtpd_data_restrictions",
    ];

    // postconf(5), Postfix 3.x. smtpd_relay_restrictions depends on compatibility_level (empty below 1); neither form holds the keywords the rules look for.
    private static readonly Dictionary<string, string> DocumentedDefaults = new(StringComparer.Ordinal)
    {
        ["smtpd_reject_unlisted_recipient"] = "yes",
        ["smtpd_reject_unlisted_sender"] = "no",
        ["unverified_recipient_defer_code"] = "450",
        ["soft_bounce"] = "no",
        ["local_recipient_maps"] = "proxy:unix:passwd.byname $alias_maps",
        ["luser_relay"] = string.Empty,
        ["relay_domains"] = string.Empty,
        ["relay_recipient_maps"] = string.Empty,
        ["smtpd_sender_login_maps"] = string.Empty,
        ["smtpd_sasl_auth_enable"] = "no",
        ["smtpd_client_restrictions"] = string.Empty,
        ["smtpd_helo_restrictions"] = string.Empty,
        ["smtpd_sender_restrictions"] = string.Empty,
        ["smtpd_recipient_restrictions"] = string.Empty,
        ["smtpd_data_restrictions"] = string.Empty,
        ["smtpd_relay_restrictions"] = "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination",
        ["content_filter"] = string.Empty,
    };

    /// <summary>
    /// The parameters the rules read, plus those their values commonly reference (<c>$alias_maps</c>): the agent asks
    /// <c>postconf -h</c> for them so the rules see this Postfix's own defaults instead of the documented ones.
    /// </summary>
    public static IReadOnlyList<string> RuleParameters { get; } =
    [
        .. DocumentedDefaults.Keys,
        "alias_maps", "virtual_alias_maps", "virtual_mailbox_maps", "virtual_mailbox_domains", "mydestination",
    ];

    private static readonly HashSet<string> SubmissionServices = new(StringComparer.Ordinal) { "submission/inet", "submissions/inet", "smtps/inet" };

    private readonly SettingsSnapshot _snapshot;

    /// <summary>Wraps a Postfix snapshot.</summary>
    public PostfixSettings(SettingsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _snapshot = snapshot;
    }

    /// <summary>The effective value of <paramref name="name"/> for <paramref name="service"/> (<c>service/type</c>).</summary>
    public PostfixValue Get(string name, string service = SmtpService)
    {
        var match = _snapshot.ServiceOverrides.LastOrDefault(o => o.Name == name && o.Service + "/" + o.Type == service);
        if (match is not null)
        {
            return new PostfixValue(name, match.Value, PostfixValueOrigin.ServiceOverride, service);
        }

        if (_snapshot.Values.TryGetValue(name, out var values) && values.Count > 0)
        {
            return new PostfixValue(name, values[^1], PostfixValueOrigin.MainCf, service);
        }

        if (_snapshot.ReportedDefaults is { } reported && reported.TryGetValue(name, out var reportedValue))
        {
            return new PostfixValue(name, reportedValue, PostfixValueOrigin.ReportedDefault, service);
        }

        return DocumentedDefaults.TryGetValue(name, out var fallback)
            ? new PostfixValue(name, fallback, PostfixValueOrigin.DocumentedDefault, service)
            : new PostfixValue(name, null, PostfixValueOrigin.Absent, service);
    }

    /// <summary>
    /// Expands <c>$name</c> and <c>${name}</c> references in a value with the effective values of the same service, so
    /// <c>local_recipient_maps = $alias_maps</c> with an empty <c>alias_maps</c> reads as empty. A reference to a parameter
    /// whose value is not known stays as written; conditional forms (<c>${name?value}</c>) are left alone.
    /// </summary>
    public string? Expand(PostfixValue value, int depth = 0)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Value is null || depth > 8 || !value.Value.Contains('$', StringComparison.Ordinal))
        {
            return value.Value;
        }

        var text = value.Value;
        var builder = new System.Text.StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                builder.Append(text[i++]);
                continue;
            }

            var braced = text[i + 1] == '{';
            var start = braced ? i + 2 : i + 1;
            var end = start;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
            {
                end++;
            }

            var closed = !braced || (end < text.Length && text[end] == '}');
            if (end == start || !closed)
            {
                builder.Append(text[i++]);
                continue;
            }

            var referenced = Get(text[start..end], value.Service);
            var expanded = referenced.Origin == PostfixValueOrigin.Absent ? null : Expand(referenced, depth + 1);
            var consumed = braced ? end + 1 : end;
            builder.Append(expanded ?? text[i..consumed]);
            i = consumed;
        }

        return builder.ToString();
    }

    /// <summary>
    /// The smtpd services that receive mail from the Internet: <c>smtp/inet</c>, <c>smtpd/pass</c> when overridden, and every
    /// other inet service with overrides except the submission ports (587/465), which serve authenticated clients.
    /// </summary>
    public IReadOnlyList<string> MxServices() =>
    [
        SmtpService,
        .. _snapshot.ServiceOverrides
            .Where(o => o.Type is "inet" or "pass")
            .Select(o => o.Service + "/" + o.Type)
            .Where(s => s != SmtpService && !SubmissionServices.Contains(s))
            .Distinct(StringComparer.Ordinal),
    ];

    /// <summary>Every inet service named in the snapshot, including the submission ports.</summary>
    public IReadOnlyList<string> AllSmtpdServices() =>
    [
        SmtpService,
        .. _snapshot.ServiceOverrides
            .Where(o => o.Type is "inet" or "pass")
            .Select(o => o.Service + "/" + o.Type)
            .Where(s => s != SmtpService)
            .Distinct(StringComparer.Ordinal),
    ];

    /// <summary>The restriction lists of a service, effective values.</summary>
    public IReadOnlyList<PostfixValue> Restrictions(string service) => RestrictionLists.Select(l => Get(l, service)).ToArray();

    /// <summary>True when any restriction list of the service contains <paramref name="keyword"/> as a token.</summary>
    public bool HasRestriction(string service, string keyword) =>
        Restrictions(service).Any(r => Tokens(r.Value).Contains(keyword, StringComparer.Ordinal));

    /// <summary>Splits a Postfix list value on commas and white space.</summary>
    public static IReadOnlyList<string> Tokens(string? value) =>
        (value ?? string.Empty).Split([',', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>True for Postfix booleans that mean yes.</summary>
    public static bool IsYes(string? value) => string.Equals(value?.Trim(), "yes", StringComparison.OrdinalIgnoreCase);

    /// <summary>Commands that set a parameter where it is effective: <c>postconf -P</c> when a service override holds it, else <c>postconf -e</c>.</summary>
    public static RemediationCommand SetCommand(PostfixValue current, string value) =>
        current.Origin == PostfixValueOrigin.ServiceOverride
            ? RemediationCommand.Of("postconf", "-P", $"{current.Service}/{current.Name}={value}")
            : RemediationCommand.Of("postconf", "-e", $"{current.Name}={value}");

    /// <summary>The documented Postfix default of <paramref name="name"/>, for the parameters the rules judge.</summary>
    public static bool TryGetDocumentedDefault(string name, out string value) => DocumentedDefaults.TryGetValue(name, out value!);

    /// <summary>Removes an explicit setting so the default applies again.</summary>
    public static RemediationCommand ResetCommand(PostfixValue current) =>
        current.Origin == PostfixValueOrigin.ServiceOverride
            ? RemediationCommand.Of("postconf", "-PX", $"{current.Service}/{current.Name}")
            : RemediationCommand.Of("postconf", "-X", current.Name);

    /// <summary><c>postfix reload</c>.</summary>
    public static RemediationCommand Reload { get; } = RemediationCommand.Of("postfix", "reload");
}
