using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BackscatterConsole.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FleetAndEgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "EgressAddresses",
                table: "Servers",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'::text[]");

            migrationBuilder.CreateIndex(
                name: "IX_Scans_FinishedAt",
                table: "Scans",
                column: "FinishedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Scans_ServerId_FinishedAt",
                table: "Scans",
                columns: new[] { "ServerId", "FinishedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Scans_FinishedAt",
                table: "Scans");

            migrationBuilder.DropIndex(
                name: "IX_Scans_ServerId_FinishedAt",
                table: "Scans");

            migrationBuilder.DropColumn(
                name: "EgressAddresses",
                table: "Servers");
        }
    }
}
