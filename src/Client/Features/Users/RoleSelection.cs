using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Features.Users;

/// <summary>One checkbox per role; static forms bind booleans, not lists.</summary>
public sealed class RoleSelection
{
    public bool Admin { get; set; }

    public bool Operator { get; set; }

    public bool Reviewer { get; set; }

    public bool Viewer { get; set; }

    public static RoleSelection From(IEnumerable<string> roles)
    {
        var set = roles.ToHashSet(StringComparer.Ordinal);
        return new RoleSelection
        {
            Admin = set.Contains(Roles.Admin),
            Operator = set.Contains(Roles.Operator),
            Reviewer = set.Contains(Roles.Reviewer),
            Viewer = set.Contains(Roles.Viewer),
        };
    }

    public List<string> Selected()
    {
        var roles = new List<string>();
        if (Admin)
        {
            roles.Add(Roles.Admin);
        }

        if (Operator)
        {
            roles.Add(Roles.Operator);
        }

        if (Reviewer)
        {
            roles.Add(Roles.Reviewer);
        }

        if (Viewer)
        {
            roles.Add(Roles.Viewer);
        }

        return roles;
    }
}
