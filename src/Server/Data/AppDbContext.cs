using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace BackscatterConsole.Server.Data;

/// <summary>
/// The application's model. Used as is on SQLite (the default); <see cref="PostgresAppDbContext"/> derives from it so that
/// PostgreSQL has its own migration set while every feature keeps asking for <see cref="AppDbContext"/>.
/// </summary>
public class AppDbContext : IdentityDbContext<AppUser, AppRole, Guid>, IDataProtectionKeyContext
{
    public AppDbContext(DbContextOptions<AppDbContext> options)
        : base(options)
    {
    }

    /// <summary>For provider-specific subclasses, whose options are typed to themselves.</summary>
    protected AppDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<ManagedServer> Servers => Set<ManagedServer>();

    public DbSet<ServerDomain> ServerDomains => Set<ServerDomain>();

    public DbSet<ServerTag> ServerTags => Set<ServerTag>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<Scan> Scans => Set<Scan>();

    public DbSet<ScanCheckResult> ScanResults => Set<ScanCheckResult>();

    public DbSet<SettingsSnapshotRecord> SettingsSnapshots => Set<SettingsSnapshotRecord>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<AgentEnrollment> AgentEnrollments => Set<AgentEnrollment>();

    public DbSet<ManagedAgent> Agents => Set<ManagedAgent>();

    public DbSet<RemediationJob> Jobs => Set<RemediationJob>();

    public DbSet<ChangeRequestRecord> ChangeRequests => Set<ChangeRequestRecord>();

    /// <summary>Which agents are connected, to which instance (see <see cref="Agents.AgentPresence"/>).</summary>
    public DbSet<AgentConnection> AgentConnections => Set<AgentConnection>();

    /// <summary>Leases on background work that must run on one instance at a time.</summary>
    public DbSet<BackgroundLease> BackgroundLeases => Set<BackgroundLease>();
    public DbSet<BounceEmissionHourRecord> BounceEmissionHours => Set<BounceEmissionHourRecord>();

    public DbSet<BounceEmissionStateRecord> BounceEmissionStates => Set<BounceEmissionStateRecord>();

    public DbSet<AlertRecord> Alerts => Set<AlertRecord>();

    public DbSet<AlertWebhookRecord> AlertWebhooks => Set<AlertWebhookRecord>();

    /// <summary>The data-protection key ring (see <see cref="KeyRing"/>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every time is UTC: SQLite stores text without a zone, so values read back are marked UTC explicitly.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
