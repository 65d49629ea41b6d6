using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadFlow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class WorkflowTimerTriggers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "workflow_timer_triggers",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    definition_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    version_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    activity_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    next_due_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_fired_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    trigger = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_timer_triggers", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_timer_triggers_next_due_at",
                table: "workflow_timer_triggers",
                column: "next_due_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "workflow_timer_triggers");
        }
    }
}
