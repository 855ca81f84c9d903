using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BackscatterConsole.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class BounceEmission : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BounceEmissionHours",
                columns: table => new
                {
                    ServerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HourStart = table.Column<DateTime>(type: "TEXT", nullable: false),
                    NonDeliveryNotifications = table.Column<int>(type: "INTEGER", nullable: false),
                    DeliveryStatusNotifications = table.Column<int>(type: "INTEGER", nullable: false),
                    DelayNotifications = table.Column<int>(type: "INTEGER", nullable: false),
                    NotificationDeliveries = table.Column<int>(type: "INTEGER", nullable: false),
                    NotificationsToForeign = table.Column<int>(type: "INTEGER", nullable: false),
                    RecipientDomainsJson = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    UnparsedLines = table.Column<int>(type: "INTEGER", nullable: false),
                    ReportedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BounceEmissionHours", x => new { x.ServerId, x.HourStart });
                    table.ForeignKey(
                        name: "FK_BounceEmissionHours_Servers_ServerId",
                        column: x => x.ServerId,
                        principalTable: "Servers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "BounceEmissionStates",
                columns: table => new
                {
                    ServerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AgentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CollectedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LocalDomains = table.Column<string>(type: "TEXT", nullable: false),
                    QueueRead = table.Column<bool>(type: "INTEGER", nullable: false),
                    QueueMessages = table.Column<int>(type: "INTEGER", nullable: false),
                    QueueNullSenderMessages = table.Column<int>(type: "INTEGER", nullable: false),
                    QueueNullSenderToForeign = table.Column<int>(type: "INTEGER", nullable: false),
                    QueueOldestNullSenderAgeSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    QueueRecipientDomainsJson = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    QueueIds = table.Column<string>(type: "TEXT", nullable: false),
                    QueueError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    LogError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    LogPath = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    LogBytesRead = table.Column<long>(type: "INTEGER", nullable: true),
                    LogFilesRead = table.Column<int>(type: "INTEGER", nullable: true),
                    OldestLine = table.Column<DateTime>(type: "TEXT", nullable: true),
                    NewestLine = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Notes = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BounceEmissionStates", x => x.ServerId);
                    table.ForeignKey(
                        name: "FK_BounceEmissionStates_Servers_ServerId",
                        column: x => x.ServerId,
                        principalTable: "Servers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BounceEmissionHours_HourStart",
                table: "BounceEmissionHours",
                column: "HourStart");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BounceEmissionHours");

            migrationBuilder.DropTable(
                name: "BounceEmissionStates");
        }
    }
}
