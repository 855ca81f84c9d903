using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BackscatterConsole.Server.Data.EntityConfigurations;

internal sealed class AgentEnrollmentConfiguration : IEntityTypeConfiguration<AgentEnrollment>
{
    public void Configure(EntityTypeBuilder<AgentEnrollment> builder)
    {
        builder.ToTable("AgentEnrollments");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.TokenHash).HasMaxLength(64);
        builder.HasIndex(e => e.TokenHash).IsUnique();
        builder.HasIndex(e => e.ServerId);
        builder.HasOne<ManagedServer>().WithMany().HasForeignKey(e => e.ServerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ManagedAgentConfiguration : IEntityTypeConfiguration<ManagedAgent>
{
    public void Configure(EntityTypeBuilder<ManagedAgent> builder)
    {
        builder.ToTable("Agents");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.CredentialHash).HasMaxLength(64);
        builder.HasIndex(a => a.CredentialHash).IsUnique();
        builder.HasIndex(a => a.ServerId);
        builder.Property(a => a.HostName).HasMaxLength(253);
        builder.Property(a => a.Connector).HasMaxLength(20);
        builder.Property(a => a.Version).HasMaxLength(50);
        builder.Property(a => a.OperatingSystem).HasMaxLength(200);
        builder.HasOne<ManagedServer>().WithMany().HasForeignKey(a => a.ServerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AgentConnectionConfiguration : IEntityTypeConfiguration<AgentConnection>
{
    public void Configure(EntityTypeBuilder<AgentConnection> builder)
    {
        builder.ToTable("AgentConnections");
        builder.HasKey(c => c.AgentId);
        builder.Property(c => c.ConnectionId).HasMaxLength(100);
        builder.Property(c => c.InstanceId).HasMaxLength(200);
        builder.HasIndex(c => c.InstanceId);
        builder.HasIndex(c => c.ExpiresAt);
        builder.HasOne<ManagedAgent>().WithOne().HasForeignKey<AgentConnection>(c => c.AgentId).OnDelete(DeleteBehavior.Cascade);
    }
}
