using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadFlow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class LifecycleStages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "data",
                table: "workflow_event_outbox",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "stage",
                table: "contacts",
                type: "TEXT",
                maxLength: 50,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "contact_stage_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: false),
                    at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    from = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    to = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    actor_kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contact_stage_changes", x => x.id);
                    table.ForeignKey(
                        name: "FK_contact_stage_changes_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sales_feedback",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: false),
                    feedback_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    outcome = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    amount = table.Column<decimal>(type: "TEXT", precision: 18, scale: 2, nullable: true),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: true),
                    crm_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    actor_kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sales_feedback", x => x.id);
                    table.ForeignKey(
                        name: "FK_sales_feedback_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_contacts_stage",
                table: "contacts",
                column: "stage");

            migrationBuilder.CreateIndex(
                name: "IX_contact_stage_changes_contact_id_id",
                table: "contact_stage_changes",
                columns: new[] { "contact_id", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_sales_feedback_contact_id_id",
                table: "sales_feedback",
                columns: new[] { "contact_id", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_sales_feedback_feedback_id",
                table: "sales_feedback",
                column: "feedback_id",
                unique: true,
                filter: "feedback_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_sales_feedback_outcome_at",
                table: "sales_feedback",
                columns: new[] { "outcome", "at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "contact_stage_changes");

            migrationBuilder.DropTable(
                name: "sales_feedback");

            migrationBuilder.DropIndex(
                name: "IX_contacts_stage",
                table: "contacts");

            migrationBuilder.DropColumn(
                name: "data",
                table: "workflow_event_outbox");

            migrationBuilder.DropColumn(
                name: "stage",
                table: "contacts");
        }
    }
}
