namespace GateKiosk.Central.Tracing;

/// <summary>A person: credential kind + subject id (the keyed hash for DCCs and Vietnamese ID codes).</summary>
public sealed record Person(string Kind, string Subject);

/// <summary>One person's stay at a site.</summary>
/// <param name="Doors">The kiosks the stay's entries and exits went through, in order, each once.</param>
/// <param name="TimeSourceNone">An event the stay rests on was stamped by a kiosk without a trusted clock.</param>
public sealed record Stay(Person Person, string Site, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> Doors, bool TimeSourceNone);

/// <summary>Two people's stays at one site that overlap by at least <see cref="TracingOptions.MinOverlap"/>.</summary>
/// <param name="Person">The other person.</param>
/// <param name="From">Start of the overlap.</param>
/// <param name="To">End of the overlap.</param>
/// <param name="OverlapMinutes">Whole minutes of the overlap, rounded down.</param>
/// <param name="TimeSourceNone">Either stay rests on an event stamped without a trusted clock.</param>
public sealed record Contact(Person Person, string Site, DateTimeOffset From, DateTimeOffset To, long OverlapMinutes, bool TimeSourceNone);

/// <summary>What a trace found; <see cref="TooManyEvents"/> when the window holds more events than one trace reads.</summary>
public sealed record TraceResult(IReadOnlyList<Stay> Stays, IReadOnlyList<Contact> Contacts, bool TooManyEvents = false);
