using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage.Migrations;

/// <summary>
/// One step of central's store schema. Steps are numbered from 1 without holes, applied in order, each in one
/// transaction that also records its number in <c>PRAGMA user_version</c>; a step that fails leaves the store as it was.
/// </summary>
internal interface IStoreMigration
{
    /// <summary>The schema version the store has once this step is applied.</summary>
    int Version { get; }

    /// <summary>What the step does, for the log.</summary>
    string Name { get; }

    void Apply(SqliteConnection connection, SqliteTransaction transaction);
}
