using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BackscatterConsole.Server.Data.EntityConfigurations;

internal sealed class ManagedServerConfiguration : IEntityTypeConfiguration<ManagedServer>
{
    public void Configure(EntityTypeBuilder<ManagedServer> builder)
    {
        builder.ToTable("Servers");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.NormalizedName).HasMaxLength(100);
        builder.HasIndex(s => s.NormalizedName).IsUnique();
        builder.Property(s => s.Hostname).HasMaxLength(253);
        builder.HasIndex(s => s.Hostname);
        builder.Property(s => s.Platform).HasMaxLength(20);
        builder.HasIndex(s => s.Platform);
        builder.Property(s => s.Version).HasMaxLength(50);
        builder.Property(s => s.SmtpHost).HasMaxLength(253);
        builder.Property(s => s.Notes).HasMaxLength(4000);
        builder.Property(s => s.ControlRecipient).HasMaxLength(254);

        // The default fills rows that existed before the column; the sentinel keeps an explicit 0 ("never") from being
        // mistaken for "not set" and replaced by that default on insert.
        builder.Property(s => s.ScanIntervalMinutes).HasDefaultValue(1440).HasSentinel(-1);
        builder.HasIndex(s => s.UpdatedAt);
        builder.Property(s => s.Revision).IsConcurrencyToken();
        builder.Property(s => s.WorstStatus).HasMaxLength(20);
        builder.HasIndex(s => s.RiskScore);
        builder.HasIndex(s => s.WorstStatus);
        builder.HasMany(s => s.Domains).WithOne().HasForeignKey(d => d.ServerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(s => s.Tags).WithOne().HasForeignKey(t => t.ServerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ServerDomainConfiguration : IEntityTypeConfiguration<ServerDomain>
{
    public void Configure(EntityTypeBuilder<ServerDomain> builder)
    {
        builder.ToTable("ServerDomains");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Name).HasMaxLength(253);
        builder.HasIndex(d => d.Name);
        builder.HasIndex(d => new { d.ServerId, d.Name }).IsUnique();
    }
}

internal sealed class ServerTagConfiguration : IEntityTypeConfiguration<ServerTag>
{
    public void Configure(EntityTypeBuilder<ServerTag> builder)
    {
        builder.ToTable("ServerTags");
        builder.HasKey(t => new { t.ServerId, t.Value });
        builder.Property(t => t.Value).HasMaxLength(40);
        builder.HasIndex(t => t.Value);
    }
}
