using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BackscatterConsole.Server.Data.EntityConfigurations;

internal sealed class ChangeRequestConfiguration : IEntityTypeConfiguration<ChangeRequestRecord>
{
    public void Configure(EntityTypeBuilder<ChangeRequestRecord> builder)
    {
        builder.ToTable("ChangeRequests");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Title).HasMaxLength(200);
        builder.Property(c => c.Rationale).HasMaxLength(4000);
        builder.Property(c => c.State).HasMaxLength(20);
        builder.Property(c => c.AuthorName).HasMaxLength(256);
        builder.Property(c => c.LastEditorName).HasMaxLength(256);
        builder.Property(c => c.Revision).IsConcurrencyToken();
        builder.HasIndex(c => c.State);
        builder.HasIndex(c => c.UpdatedAt);
        builder.HasMany(c => c.Items).WithOne().HasForeignKey(i => i.ChangeRequestId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.Approvals).WithOne().HasForeignKey(a => a.ChangeRequestId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.Comments).WithOne().HasForeignKey(m => m.ChangeRequestId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ChangeRequestItemConfiguration : IEntityTypeConfiguration<ChangeRequestItemRecord>
{
    public void Configure(EntityTypeBuilder<ChangeRequestItemRecord> builder)
    {
        builder.ToTable("ChangeRequestItems");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.ServerName).HasMaxLength(100);
        builder.Property(i => i.ApplyError).HasMaxLength(1000);
        builder.HasIndex(i => i.JobId);
    }
}

internal sealed class ChangeRequestApprovalConfiguration : IEntityTypeConfiguration<ChangeRequestApprovalRecord>
{
    public void Configure(EntityTypeBuilder<ChangeRequestApprovalRecord> builder)
    {
        builder.ToTable("ChangeRequestApprovals");
        builder.HasKey(a => new { a.ChangeRequestId, a.ReviewerId });
        builder.Property(a => a.ReviewerName).HasMaxLength(256);
    }
}

internal sealed class ChangeRequestCommentConfiguration : IEntityTypeConfiguration<ChangeRequestCommentRecord>
{
    public void Configure(EntityTypeBuilder<ChangeRequestCommentRecord> builder)
    {
        builder.ToTable("ChangeRequestComments");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.AuthorName).HasMaxLength(256);
        builder.Property(m => m.Kind).HasMaxLength(20);
        builder.Property(m => m.Text).HasMaxLength(4000);
    }
}
