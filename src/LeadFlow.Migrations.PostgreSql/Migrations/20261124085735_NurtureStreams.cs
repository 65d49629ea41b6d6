using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LeadFlow.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class NurtureStreams : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "nurture_positions",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    workflow_instance_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    stream = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    stage = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    stage_activity_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    entry = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    campaigns_sent = table.Column<int>(type: "integer", nullable: false),
                    last_campaign = table.Column<int>(type: "integer", nullable: true),
                    last_template = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    last_sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    next_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    entered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    left_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nurture_positions", x => x.id);
                    table.ForeignKey(
                        name: "FK_nurture_positions_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "nurture_sends",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    workflow_instance_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    stream = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    stage = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    stage_activity_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    campaign = table.Column<int>(type: "integer", nullable: false),
                    template = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    message_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nurture_sends", x => x.id);
                    table.ForeignKey(
                        name: "FK_nurture_sends_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_nurture_positions_contact_id",
                table: "nurture_positions",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "IX_nurture_positions_stream_status_stage_activity_id",
                table: "nurture_positions",
                columns: new[] { "stream", "status", "stage_activity_id" });

            migrationBuilder.CreateIndex(
                name: "IX_nurture_positions_workflow_instance_id_stage_activity_id_en~",
                table: "nurture_positions",
                columns: new[] { "workflow_instance_id", "stage_activity_id", "entry" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_nurture_sends_contact_id",
                table: "nurture_sends",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "IX_nurture_sends_message_id",
                table: "nurture_sends",
                column: "message_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_nurture_sends_stream_stage_activity_id_campaign",
                table: "nurture_sends",
                columns: new[] { "stream", "stage_activity_id", "campaign" });

            migrationBuilder.CreateIndex(
                name: "IX_nurture_sends_workflow_instance_id_id",
                table: "nurture_sends",
                columns: new[] { "workflow_instance_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "nurture_positions");

            migrationBuilder.DropTable(
                name: "nurture_sends");
        }
    }
}
