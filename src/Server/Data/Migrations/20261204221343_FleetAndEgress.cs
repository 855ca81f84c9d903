using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BackscatterConsole.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class FleetAndEgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EgressAddresses",
                table: "Servers",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

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
