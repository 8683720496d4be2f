using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.People;

/// <summary>Staff, their badges and muster marks in central's SQLite database (<see cref="PeopleSchema"/>).</summary>
internal sealed class SqlitePeopleStore : IDisposable
{
    private const string Columns = "p.id, p.employee_id, p.name, p.department, p.sites, p.schedule, (SELECT group_concat(number, ' ') FROM (SELECT number FROM badges WHERE person_id = p.id ORDER BY number))";

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private long _version;

    public SqlitePeopleStore(string databasePath)
    {
        _connection = PeopleSchema.Part.Open(databasePath);
    }

    /// <summary>Raised after a person or their badges were added, changed or removed (the policy publisher listens).</summary>
    public event Action? Changed;

    /// <summary>Counts the changes to people and badges made through this store, so readers can tell when what they read is out of date.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Every person, by name then employee id.</summary>
    public IReadOnlyList<StaffMember> List() => Many($"SELECT {Columns} FROM people p ORDER BY p.name, p.employee_id");

    public StaffMember? Find(long id) => Many($"SELECT {Columns} FROM people p WHERE p.id = $id", ("$id", id)) is [var p, ..] ? p : null;

    public StaffMember? FindByEmployeeId(string employeeId) =>
        Many($"SELECT {Columns} FROM people p WHERE p.employee_id = $e", ("$e", employeeId)) is [var p, ..] ? p : null;

    /// <summary>The person holding badge <paramref name="number"/>, or null.</summary>
    public StaffMember? FindByBadge(string number) =>
        Many($"SELECT {Columns} FROM people p JOIN badges b ON b.person_id = p.id WHERE b.number = $n", ("$n", number)) is [var p, ..] ? p : null;

    /// <summary>
    /// Adds <paramref name="person"/> (its <see cref="StaffMember.Id"/> ignored) or, with a non-zero id, replaces that
    /// record and its badges, in one transaction. Returns the id, or null when the employee id or a badge belongs to
    /// someone else (nothing is changed then) or the record to replace is gone.
    /// </summary>
    public long? Save(StaffMember person, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(person);
        lock (_lock)
        {
            using var tx = _connection.BeginTransaction();
            try
            {
                long id;
                if (person.Id == 0)
                {
                    using var insert = Command(
                        tx,
                        "INSERT INTO people(employee_id, name, department, sites, schedule, created_at, updated_at) VALUES($e, $n, $d, $s, $sc, $at, $at) RETURNING id",
                        ("$e", person.EmployeeId), ("$n", person.Name), ("$d", person.Department), ("$s", string.Join(',', person.Sites)), ("$sc", person.Schedule), ("$at", at.ToUnixTimeMilliseconds()));
                    id = (long)insert.ExecuteScalar()!;
                }
                else
                {
                    using var update = Command(
                        tx,
                        "UPDATE people SET employee_id = $e, name = $n, department = $d, sites = $s, schedule = $sc, updated_at = $at WHERE id = $id",
                        ("$e", person.EmployeeId), ("$n", person.Name), ("$d", person.Department), ("$s", string.Join(',', person.Sites)), ("$sc", person.Schedule), ("$at", at.ToUnixTimeMilliseconds()), ("$id", person.Id));
                    if (update.ExecuteNonQuery() != 1)
                    {
                        tx.Rollback();
                        return null;
                    }

                    id = person.Id;
                    using var clear = Command(tx, "DELETE FROM badges WHERE person_id = $id", ("$id", id));
                    clear.ExecuteNonQuery();
                }

                foreach (var badge in person.Badges)
                {
                    using var add = Command(tx, "INSERT INTO badges(number, person_id) VALUES($n, $id)", ("$n", badge), ("$id", id));
                    add.ExecuteNonQuery();
                }

                tx.Commit();
                Interlocked.Increment(ref _version);
                Changed?.Invoke();
                return id;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                // SQLITE_CONSTRAINT: the employee id or a badge number is taken.
                tx.Rollback();
                return null;
            }
        }
    }

    /// <summary>Removes a person and their badges; false when there was none.</summary>
    public bool Remove(long id)
    {
        lock (_lock)
        {
            using var tx = _connection.BeginTransaction();
            using (var badges = Command(tx, "DELETE FROM badges WHERE person_id = $id", ("$id", id)))
            {
                badges.ExecuteNonQuery();
            }

            using var person = Command(tx, "DELETE FROM people WHERE id = $id", ("$id", id));
            var removed = person.ExecuteNonQuery() == 1;
            tx.Commit();
            Interlocked.Increment(ref _version);
            if (removed)
            {
                Changed?.Invoke();
            }

            return removed;
        }
    }

    /// <summary>Records that <paramref name="mark"/>'s person was seen safe.</summary>
    public void AddSafeMark(SafeMark mark)
    {
        ArgumentNullException.ThrowIfNull(mark);
        lock (_lock)
        {
            using var insert = Command(
                null,
                "INSERT INTO safe_marks(site_id, kind, subject, marked_by, marked_at) VALUES($s, $k, $sub, $by, $at)",
                ("$s", mark.SiteId), ("$k", mark.Kind), ("$sub", mark.Subject), ("$by", mark.MarkedBy), ("$at", mark.MarkedAt.ToUnixTimeMilliseconds()));
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>The marks of <paramref name="site"/> made at or after <paramref name="since"/>, oldest first.</summary>
    public IReadOnlyList<SafeMark> SafeMarks(string site, DateTimeOffset since)
    {
        lock (_lock)
        {
            using var select = Command(
                null,
                "SELECT site_id, kind, subject, marked_by, marked_at FROM safe_marks WHERE site_id = $s AND marked_at >= $since ORDER BY marked_at, id",
                ("$s", site), ("$since", since.ToUnixTimeMilliseconds()));
            using var reader = select.ExecuteReader();
            var marks = new List<SafeMark>();
            while (reader.Read())
            {
                marks.Add(new SafeMark(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }

            return marks;
        }
    }

    public void Dispose() => _connection.Dispose();

    private List<StaffMember> Many(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var select = Command(null, sql, parameters);
            using var reader = select.ExecuteReader();
            var people = new List<StaffMember>();
            while (reader.Read())
            {
                people.Add(new StaffMember(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries),
                    reader.IsDBNull(6) ? [] : reader.GetString(6).Split(' ', StringSplitOptions.RemoveEmptyEntries),
                    reader.GetString(5)));
            }

            return people;
        }
    }

    private SqliteCommand Command(SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
