using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadFlow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class LeadActivities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "owner",
                table: "contacts",
                type: "TEXT",
                maxLength: 254,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "contact_tags",
                columns: table => new
                {
                    contact_id = table.Column<long>(type: "INTEGER", nullable: false),
                    tag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contact_tags", x => new { x.contact_id, x.tag });
                    table.ForeignKey(
                        name: "FK_contact_tags_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "owner_rotations",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    counter = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_owner_rotations", x => x.key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_contacts_owner",
                table: "contacts",
                column: "owner");

            migrationBuilder.CreateIndex(
                name: "IX_contact_tags_tag_contact_id",
                table: "contact_tags",
                columns: new[] { "tag", "contact_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "contact_tags");

            migrationBuilder.DropTable(
                name: "owner_rotations");

            migrationBuilder.DropIndex(
                name: "IX_contacts_owner",
                table: "contacts");

            migrationBuilder.DropColumn(
                name: "owner",
                table: "contacts");
        }
    }
}
