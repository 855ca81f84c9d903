using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BackscatterConsole.Server.Data.EntityConfigurations;

internal sealed class BounceEmissionHourConfiguration : IEntityTypeConfiguration<BounceEmissionHourRecord>
{
    public void Configure(EntityTypeBuilder<BounceEmissionHourRecord> builder)
    {
        builder.ToTable("BounceEmissionHours");

        // One row per server and hour: a report of an hour already stored updates that row in place.
        builder.HasKey(h => new { h.ServerId, h.HourStart });

        // Fleet series and the retention sweep read by time across servers.
        builder.HasIndex(h => h.HourStart);
        builder.Property(h => h.RecipientDomainsJson).HasMaxLength(4000);
        builder.HasOne<ManagedServer>().WithMany().HasForeignKey(h => h.ServerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BounceEmissionStateConfiguration : IEntityTypeConfiguration<BounceEmissionStateRecord>
{
    public void Configure(EntityTypeBuilder<BounceEmissionStateRecord> builder)
    {
        builder.ToTable("BounceEmissionStates");
        builder.HasKey(s => s.ServerId);
        builder.Property(s => s.QueueRecipientDomainsJson).HasMaxLength(4000);
        builder.Property(s => s.QueueError).HasMaxLength(2000);
        builder.Property(s => s.LogError).HasMaxLength(2000);
        builder.Property(s => s.LogPath).HasMaxLength(1000);
        builder.HasOne<ManagedServer>().WithMany().HasForeignKey(s => s.ServerId).OnDelete(DeleteBehavior.Cascade);
    }
}
