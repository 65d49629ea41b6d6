using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeadFlow.Migrations.Sqlite.Migrations
{
    /// <summary>
    /// Idempotency on SQLite by a 64-bit key of (source, event id) in a non-unique index, instead of a unique index of
    /// the text (see LeadFlow.Core.Interactions.EventKey). Stored interactions get their key from the function that
    /// LeadFlow registers on each of its connections (SqlitePragmas), so apply this migration through LeadFlow
    /// (<c>leadflow migrate</c> or the start of the server); elsewhere it stops at "no such function".
    /// </summary>
    public partial class IndexEventKeyByHash : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_interactions_source_event_id",
                table: "interactions");

            migrationBuilder.AddColumn<long>(
                name: "event_hash",
                table: "interactions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.Sql("UPDATE interactions SET event_hash = leadflow_event_key(source, event_id);");

            migrationBuilder.CreateIndex(
                name: "IX_interactions_event_hash",
                table: "interactions",
                column: "event_hash");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_interactions_event_hash",
                table: "interactions");

            migrationBuilder.DropColumn(
                name: "event_hash",
                table: "interactions");

            migrationBuilder.CreateIndex(
                name: "IX_interactions_source_event_id",
                table: "interactions",
                columns: new[] { "source", "event_id" },
                unique: true);
        }
    }
}
