using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BackscatterConsole.Server.Data.Migrations
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RiskScore",
                table: "Servers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WorstStatus",
                table: "Servers",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ThemeMode",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 10,
                nullable: false,
                defaultValue: "system");

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
