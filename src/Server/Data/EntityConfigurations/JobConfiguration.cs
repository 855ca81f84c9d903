using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BackscatterConsole.Server.Data.EntityConfigurations;

internal sealed class RemediationJobConfiguration : IEntityTypeConfiguration<RemediationJob>
{
    public void Configure(EntityTypeBuilder<RemediationJob> builder)
    {
        builder.ToTable("Jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.State).HasMaxLength(20);
        builder.HasIndex(j => new { j.ServerId, j.State });
        builder.HasIndex(j => j.State);
        builder.Property(j => j.CreatedBy).HasMaxLength(256);
        builder.Property(j => j.Error).HasMaxLength(4000);
        builder.HasOne<ManagedServer>().WithMany().HasForeignKey(j => j.ServerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(j => j.Steps).WithOne().HasForeignKey(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class JobStepRecordConfiguration : IEntityTypeConfiguration<JobStepRecord>
{
    public void Configure(EntityTypeBuilder<JobStepRecord> builder)
    {
        builder.ToTable("JobSteps");
        builder.HasKey(s => new { s.JobId, s.Sequence });
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.State).HasMaxLength(20);
        builder.Property(s => s.Output).HasMaxLength(70_000);
    }
}
