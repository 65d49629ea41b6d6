using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadFlow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Workflows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "workflow_bookmarks",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    workflow_instance_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    event_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    hash = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    correlation_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    due_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_bookmarks", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflow_definitions",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    definition_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    is_latest = table.Column<bool>(type: "INTEGER", nullable: false),
                    is_published = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_definitions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflow_event_outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: false),
                    event_name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    interaction_id = table.Column<long>(type: "INTEGER", nullable: true),
                    value = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    previous = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_event_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflow_instances",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    definition_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    definition_version_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    correlation_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    exclusive_key = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_executed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    revision = table.Column<long>(type: "INTEGER", nullable: false),
                    state = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_instances", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflow_journal",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    workflow_instance_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    timestamp = table.Column<DateTime>(type: "TEXT", nullable: false),
                    event_name = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    activity_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_journal", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflow_triggers",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    definition_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    version_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    activity_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    event_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    hash = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_triggers", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_bookmarks_due_at",
                table: "workflow_bookmarks",
                column: "due_at",
                filter: "due_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_workflow_bookmarks_event_name_hash",
                table: "workflow_bookmarks",
                columns: new[] { "event_name", "hash" });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_bookmarks_event_name_hash_correlation_id",
                table: "workflow_bookmarks",
                columns: new[] { "event_name", "hash", "correlation_id" });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_bookmarks_workflow_instance_id",
                table: "workflow_bookmarks",
                column: "workflow_instance_id");

            migrationBuilder.CreateIndex(
                name: "IX_workflow_definitions_definition_id_version",
                table: "workflow_definitions",
                columns: new[] { "definition_id", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_workflow_instances_correlation_id",
                table: "workflow_instances",
                column: "correlation_id");

            migrationBuilder.CreateIndex(
                name: "IX_workflow_instances_definition_id_correlation_id",
                table: "workflow_instances",
                columns: new[] { "definition_id", "correlation_id" });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_instances_exclusive_key",
                table: "workflow_instances",
                column: "exclusive_key",
                unique: true,
                filter: "exclusive_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_workflow_instances_status_created_at",
                table: "workflow_instances",
                columns: new[] { "status", "created_at" });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_journal_workflow_instance_id_id",
                table: "workflow_journal",
                columns: new[] { "workflow_instance_id", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_triggers_definition_id",
                table: "workflow_triggers",
                column: "definition_id");

            migrationBuilder.CreateIndex(
                name: "IX_workflow_triggers_event_name_hash",
                table: "workflow_triggers",
                columns: new[] { "event_name", "hash" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "workflow_bookmarks");

            migrationBuilder.DropTable(
                name: "workflow_definitions");

            migrationBuilder.DropTable(
                name: "workflow_event_outbox");

            migrationBuilder.DropTable(
                name: "workflow_instances");

            migrationBuilder.DropTable(
                name: "workflow_journal");

            migrationBuilder.DropTable(
                name: "workflow_triggers");
        }
    }
}
