namespace BackscatterConsole.Shared.Users;

/// <summary>Authorization policy names; endpoints and pages name these, never raw roles.</summary>
public static class Policies
{
    /// <summary>Any role: read the inventory and results.</summary>
    public const string Read = "read";

    /// <summary>Change servers (Operators and Admins).</summary>
    public const string ServersWrite = "servers.write";

    /// <summary>Manage users and other users' tokens.</summary>
    public const string Admin = "admin";

    /// <summary>Approve or reject other people's change requests (Reviewers and Admins).</summary>
    public const string Review = "review";

    /// <summary>Read and verify the audit trail (Admins and Reviewers).</summary>
    public const string AuditRead = "audit.read";

    /// <summary>Signed in with any role or none: the caller's own account and tokens.</summary>
    public const string Authenticated = "authenticated";
}
