using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BackscatterConsole.Server.Data.EntityConfigurations;

internal sealed class ScanConfiguration : IEntityTypeConfiguration<Scan>
{
    public void Configure(EntityTypeBuilder<Scan> builder)
    {
        builder.ToTable("Scans");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Status).HasMaxLength(20);
        builder.Property(s => s.Trigger).HasMaxLength(20);
        builder.Property(s => s.RequestedBy).HasMaxLength(256);
        builder.Property(s => s.Error).HasMaxLength(2000);
        builder.Property(s => s.LeaseOwner).HasMaxLength(200);
        builder.HasIndex(s => s.Status);

        // The runners' claim: the oldest queued scan first.
        builder.HasIndex(s => new { s.Status, s.QueuedAt });

        // At most one queued or running scan per server, even when two requests race past the service's check.
        builder.HasIndex(s => s.ServerId).IsUnique().HasFilter("\"Status\" IN ('queued', 'running')").HasDatabaseName("IX_Scans_ServerId_Active");
        builder.HasIndex(s => new { s.ServerId, s.QueuedAt });

        // The fleet trends group completed scans by day; the latest-scan joins match a server to its last finish.
        builder.HasIndex(s => new { s.ServerId, s.FinishedAt });
        builder.HasIndex(s => s.FinishedAt);
        builder.HasOne(s => s.Server).WithMany().HasForeignKey(s => s.ServerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(s => s.Results).WithOne().HasForeignKey(r => r.ScanId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ScanCheckResultConfiguration : IEntityTypeConfiguration<ScanCheckResult>
{
    public void Configure(EntityTypeBuilder<ScanCheckResult> builder)
    {
        builder.ToTable("ScanResults");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.CheckId).HasMaxLength(100);
        builder.Property(r => r.Source).HasMaxLength(20);
        builder.Property(r => r.Subject).HasMaxLength(4000);
        builder.Property(r => r.Status).HasMaxLength(20);
        builder.Property(r => r.Severity).HasMaxLength(20);
        builder.HasIndex(r => new { r.ScanId, r.Position });
    }
}

internal sealed class SettingsSnapshotConfiguration : IEntityTypeConfiguration<SettingsSnapshotRecord>
{
    public void Configure(EntityTypeBuilder<SettingsSnapshotRecord> builder)
    {
        builder.ToTable("SettingsSnapshots");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Platform).HasMaxLength(20);
        builder.Property(s => s.Source).HasMaxLength(40);
        builder.Property(s => s.UploadedBy).HasMaxLength(256);
        builder.HasIndex(s => new { s.ServerId, s.UploadedAt });
        builder.HasOne<ManagedServer>().WithMany().HasForeignKey(s => s.ServerId).OnDelete(DeleteBehavior.Cascade);
    }
}
