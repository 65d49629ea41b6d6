using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LeadFlow.Migrations.PostgreSql.Migrations
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
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "stage",
                table: "contacts",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "contact_stage_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    from = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    to = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    actor_kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true)
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
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    feedback_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    outcome = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    amount = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: true),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: true),
                    crm_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    actor_kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true)
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
