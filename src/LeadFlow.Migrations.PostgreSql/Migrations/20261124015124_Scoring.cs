using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LeadFlow.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class Scoring : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "contact_grades",
                columns: table => new
                {
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    grade = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    fit_points = table.Column<double>(type: "double precision", nullable: false),
                    contributions = table.Column<string>(type: "text", nullable: false),
                    rule_set_version_id = table.Column<int>(type: "integer", nullable: false),
                    graded_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contact_grades", x => x.contact_id);
                    table.ForeignKey(
                        name: "FK_contact_grades_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "contact_qualifications",
                columns: table => new
                {
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    rule = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    file = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    reasons = table.Column<string>(type: "text", nullable: false),
                    rule_set_version_id = table.Column<int>(type: "integer", nullable: false),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    status_since = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    recent = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contact_qualifications", x => x.contact_id);
                    table.ForeignKey(
                        name: "FK_contact_qualifications_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "contact_scores",
                columns: table => new
                {
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    state = table.Column<string>(type: "text", nullable: false),
                    score = table.Column<double>(type: "double precision", nullable: false),
                    as_of = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ledger_after = table.Column<long>(type: "bigint", nullable: false),
                    rule_set_version_id = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contact_scores", x => new { x.contact_id, x.model });
                    table.ForeignKey(
                        name: "FK_contact_scores_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "profile_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    enqueued_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_changes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "rescore_jobs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    rule_set_version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    last_contact_id = table.Column<long>(type: "bigint", nullable: false),
                    contacts_done = table.Column<long>(type: "bigint", nullable: false),
                    contacts_total = table.Column<long>(type: "bigint", nullable: false),
                    interactions_done = table.Column<long>(type: "bigint", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    started_by = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rescore_jobs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "rule_set_versions",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    first_used_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rule_set_versions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sales_facts",
                columns: table => new
                {
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    facts = table.Column<string>(type: "text", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sales_facts", x => x.contact_id);
                    table.ForeignKey(
                        name: "FK_sales_facts_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "score_ledger",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    rule = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    rule_set_version_id = table.Column<int>(type: "integer", nullable: false),
                    interaction_id = table.Column<long>(type: "bigint", nullable: false),
                    points = table.Column<double>(type: "double precision", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    recorded_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_score_ledger", x => x.id);
                    table.ForeignKey(
                        name: "FK_score_ledger_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "scoring_revisions",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    revision = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scoring_revisions", x => x.id);
                });

            migrationBuilder.InsertData(
                table: "scoring_revisions",
                columns: new[] { "id", "revision" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_rule_set_versions_version",
                table: "rule_set_versions",
                column: "version",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_score_ledger_contact_id",
                table: "score_ledger",
                column: "contact_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "contact_grades");

            migrationBuilder.DropTable(
                name: "contact_qualifications");

            migrationBuilder.DropTable(
                name: "contact_scores");

            migrationBuilder.DropTable(
                name: "profile_changes");

            migrationBuilder.DropTable(
                name: "rescore_jobs");

            migrationBuilder.DropTable(
                name: "rule_set_versions");

            migrationBuilder.DropTable(
                name: "sales_facts");

            migrationBuilder.DropTable(
                name: "score_ledger");

            migrationBuilder.DropTable(
                name: "scoring_revisions");
        }
    }
}
