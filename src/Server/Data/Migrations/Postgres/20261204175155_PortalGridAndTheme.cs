using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BackscatterConsole.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PortalGridAndTheme : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "LastScannedAt",
                table: "Servers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RiskScore",
                table: "Servers",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WorstStatus",
                table: "Servers",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true,
                collation: "C");

            migrationBuilder.AddColumn<string>(
                name: "ThemeMode",
                table: "AspNetUsers",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "system",
                collation: "C");

            migrationBuilder.CreateIndex(
                name: "IX_Servers_RiskScore",
                table: "Servers",
                column: "RiskScore");

            migrationBuilder.CreateIndex(
                name: "IX_Servers_WorstStatus",
                table: "Servers",
                column: "WorstStatus");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Servers_RiskScore",
                table: "Servers");

            migrationBuilder.DropIndex(
                name: "IX_Servers_WorstStatus",
                table: "Servers");

            migrationBuilder.DropColumn(
                name: "LastScannedAt",
                table: "Servers");

            migrationBuilder.DropColumn(
                name: "RiskScore",
                table: "Servers");

            migrationBuilder.DropColumn(
                name: "WorstStatus",
                table: "Servers");

            migrationBuilder.DropColumn(
                name: "ThemeMode",
                table: "AspNetUsers");
        }
    }
}
