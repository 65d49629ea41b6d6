using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadFlow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TransferSelectionIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_contact_qualifications_status_contact_id",
                table: "contact_qualifications",
                columns: new[] { "status", "contact_id" },
                filter: "status <> 'not_qualified'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_contact_qualifications_status_contact_id",
                table: "contact_qualifications");
        }
    }
}
