using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BackscatterConsole.Server.Data.Migrations.Postgres
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
                    ServerId = table.Column<Guid>(type: "uuid", nullable: false),
                    HourStart = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    NonDeliveryNotifications = table.Column<int>(type: "integer", nullable: false),
                    DeliveryStatusNotifications = table.Column<int>(type: "integer", nullable: false),
                    DelayNotifications = table.Column<int>(type: "integer", nullable: false),
                    NotificationDeliveries = table.Column<int>(type: "integer", nullable: false),
                    NotificationsToForeign = table.Column<int>(type: "integer", nullable: false),
                    RecipientDomainsJson = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false, collation: "C"),
                    UnparsedLines = table.Column<int>(type: "integer", nullable: false),
                    ReportedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    ServerId = table.Column<Guid>(type: "uuid", nullable: false),
                    AgentId = table.Column<Guid>(type: "uuid", nullable: false),
                    CollectedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LocalDomains = table.Column<List<string>>(type: "text[]", nullable: false),
                    QueueRead = table.Column<bool>(type: "boolean", nullable: false),
                    QueueMessages = table.Column<int>(type: "integer", nullable: false),
                    QueueNullSenderMessages = table.Column<int>(type: "integer", nullable: false),
                    QueueNullSenderToForeign = table.Column<int>(type: "integer", nullable: false),
                    QueueOldestNullSenderAgeSeconds = table.Column<int>(type: "integer", nullable: false),
                    QueueRecipientDomainsJson = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false, collation: "C"),
                    QueueIds = table.Column<List<string>>(type: "text[]", nullable: false),
                    QueueError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true, collation: "C"),
                    LogError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true, collation: "C"),
                    LogPath = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true, collation: "C"),
                    LogBytesRead = table.Column<long>(type: "bigint", nullable: true),
                    LogFilesRead = table.Column<int>(type: "integer", nullable: true),
                    OldestLine = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    NewestLine = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Notes = table.Column<List<string>>(type: "text[]", nullable: false)
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
