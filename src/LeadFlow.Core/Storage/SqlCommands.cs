using System.Data.Common;
using System.Text;

namespace LeadFlow.Core.Storage;

/// <summary>
/// Builds the multi-row statements of the hot paths in the SQL that SQLite and PostgreSQL share
/// (<c>INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING ...</c>, <c>IN (...)</c> lists), with one
/// parameter per value so that nothing is ever spliced into the text.
/// </summary>
internal static class SqlCommands
{
    /// <summary>Rows per multi-row statement: large enough to amortise a round trip, far below both engines' parameter limits.</summary>
    public const int RowsPerStatement = 500;

    public static DbCommand Create(DbConnection connection, DbTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Appends <c>(@p0, @p1, ...)</c> for one row and adds its parameters.</summary>
    public static void AppendRow(DbCommand command, StringBuilder sql, params ReadOnlySpan<object?> values)
    {
        sql.Append(command.Parameters.Count == 0 ? " (" : ", (");
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                sql.Append(", ");
            }
            AppendParameter(command, sql, values[i]);
        }
        sql.Append(')');
    }

    /// <summary>Appends <c>(@p0, @p1, ...)</c> for an IN list.</summary>
    public static void AppendList<T>(DbCommand command, StringBuilder sql, IEnumerable<T> values)
    {
        sql.Append('(');
        var first = true;
        foreach (var value in values)
        {
            if (!first)
            {
                sql.Append(", ");
            }
            first = false;
            AppendParameter(command, sql, value);
        }
        sql.Append(')');
    }

    private static void AppendParameter(DbCommand command, StringBuilder sql, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@p" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        sql.Append(parameter.ParameterName);
    }
}
