using BackscatterConsole.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Cluster;

/// <summary>
/// Named leases on background work that must run on one instance at a time (the scan scheduler, the job expiry sweep,
/// the cluster sweep). A lease is one conditional update: it is taken when free or expired, and renewed by its holder.
/// </summary>
internal sealed class BackgroundLeases(AppDbContext db, ClusterInstance instance, TimeProvider clock)
{
    public const string ScanScheduler = "scan-scheduler";
    public const string JobExpiry = "job-expiry";
    public const string ClusterSweep = "cluster-sweep";

    /// <summary>Takes or renews the lease for <paramref name="duration"/>; false while another live instance holds it.</summary>
    public async Task<bool> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + duration;
        var owner = instance.Id;
        var taken = await db.BackgroundLeases
            .Where(l => l.Name == name && (l.Owner == owner || l.ExpiresAt <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Owner, owner).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken == 1)
        {
            return true;
        }

        if (await db.BackgroundLeases.AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }

        // First use of this lease name: the primary key lets exactly one instance create it.
        var lease = new BackgroundLease { Name = name, Owner = owner, ExpiresAt = until };
        db.BackgroundLeases.Add(lease);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (StorageFailures.IsUniqueViolation(e))
        {
            return false;
        }
        finally
        {
            db.Entry(lease).State = EntityState.Detached;
        }
    }
}
