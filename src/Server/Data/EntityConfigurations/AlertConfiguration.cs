using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BackscatterConsole.Server.Data.EntityConfigurations;

internal sealed class AlertConfiguration : IEntityTypeConfiguration<AlertRecord>
{
    public void Configure(EntityTypeBuilder<AlertRecord> builder)
    {
        builder.ToTable("Alerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.ServerName).HasMaxLength(100);
        builder.Property(a => a.Cause).HasMaxLength(20);
        builder.Property(a => a.Summary).HasMaxLength(1000);
        builder.Property(a => a.WebhookState).HasMaxLength(20);
        builder.Property(a => a.WebhookError).HasMaxLength(1000);

        // De-duplication in the database: a second open alert for the same server and cause cannot be stored.
        builder.HasIndex(a => new { a.ServerId, a.Cause }).IsUnique().HasFilter("\"ClearedAt\" IS NULL").HasDatabaseName("IX_Alerts_ServerId_Cause_Open");
        builder.HasIndex(a => a.RaisedAt);
    }
}

internal sealed class AlertWebhookConfiguration : IEntityTypeConfiguration<AlertWebhookRecord>
{
    public void Configure(EntityTypeBuilder<AlertWebhookRecord> builder)
    {
        builder.ToTable("AlertWebhooks");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Id).ValueGeneratedNever();
        builder.Property(w => w.Url).HasMaxLength(2000);
        builder.Property(w => w.Secret).HasMaxLength(200);
    }
}
