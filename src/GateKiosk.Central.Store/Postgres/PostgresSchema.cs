namespace GateKiosk.Central.Storage.Postgres;

/// <summary>The PostgreSQL store's schema, one numbered step at a time (see <see cref="PostgresMigrator"/>).</summary>
internal static class PostgresSchema
{
    public static IReadOnlyList<PostgresMigration> Migrations { get; } =
    [
        new(1, "events, per-kiosk summaries, chain breaks, quarantine, rejected counts, unrecoverable ranges and kiosk statuses", """
            CREATE TABLE events(
                id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                event_id    uuid        NOT NULL UNIQUE,
                site_id     text        NOT NULL,
                kiosk_id    text        NOT NULL,
                seq         bigint      NOT NULL,
                occurred_at timestamptz NOT NULL,
                received_at timestamptz NOT NULL,
                type        text        NOT NULL,
                decision    text,
                reason      text,
                subject     text,
                payload     bytea       NOT NULL,
                hash        text        NOT NULL,
                prev_hash   text        NOT NULL,
                lost_from   bigint
            );
            -- What the API, tracing and reports ask: a kiosk's events by seq (chain checks, gaps), a site's events in a
            -- time window, one subject's events over a day. lost_from is set only on the rare events declaring a loss.
            CREATE INDEX events_kiosk_seq ON events(site_id, kiosk_id, seq);
            CREATE INDEX events_site_occurred ON events(site_id, occurred_at);
            CREATE INDEX events_subject_occurred ON events(subject, occurred_at) WHERE subject IS NOT NULL;
            CREATE INDEX events_occurred ON events(occurred_at);
            CREATE INDEX events_lost ON events(site_id, kiosk_id, lost_from) WHERE lost_from IS NOT NULL;

            -- Kept up to date by every batch in the batch's transaction, so GET /api/kiosks never counts events.
            -- The row is also the kiosk's lock: a batch locks the rows of its kiosks before it inserts, so collectors
            -- that receive one kiosk's events at once check its chain one after the other.
            CREATE TABLE kiosk_summaries(
                site_id          text        NOT NULL,
                kiosk_id         text        NOT NULL,
                events           bigint      NOT NULL DEFAULT 0,
                distinct_seqs    bigint      NOT NULL DEFAULT 0,
                last_seq         bigint      NOT NULL DEFAULT 0,
                last_received_at timestamptz,
                last_occurred_at timestamptz,
                chain_breaks     bigint      NOT NULL DEFAULT 0,
                declares_loss    boolean     NOT NULL DEFAULT false,
                PRIMARY KEY(site_id, kiosk_id)
            );
            CREATE TABLE chain_breaks(
                site_id     text        NOT NULL,
                kiosk_id    text        NOT NULL,
                seq         bigint      NOT NULL,
                kind        text        NOT NULL,
                detected_at timestamptz NOT NULL,
                PRIMARY KEY(site_id, kiosk_id, seq, kind)
            );
            CREATE TABLE quarantine(
                id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                received_at timestamptz NOT NULL,
                topic       text        NOT NULL,
                site_id     text,
                kiosk_id    text,
                reason      text        NOT NULL,
                size        bigint      NOT NULL,
                sha256      text        NOT NULL,
                prefix      bytea       NOT NULL
            );
            CREATE TABLE rejected(
                site_id     text        NOT NULL,
                kiosk_id    text        NOT NULL,
                rejected    bigint      NOT NULL,
                last_reason text        NOT NULL,
                last_at     timestamptz NOT NULL,
                PRIMARY KEY(site_id, kiosk_id)
            );
            CREATE TABLE unrecoverable(
                site_id     text        NOT NULL,
                kiosk_id    text        NOT NULL,
                from_seq    bigint      NOT NULL,
                to_seq      bigint      NOT NULL,
                marked_at   timestamptz NOT NULL,
                PRIMARY KEY(site_id, kiosk_id, from_seq, to_seq)
            );
            CREATE TABLE kiosks(
                site_id   text        NOT NULL,
                kiosk_id  text        NOT NULL,
                state     text        NOT NULL,
                version   text,
                status_at timestamptz NOT NULL,
                PRIMARY KEY(site_id, kiosk_id)
            );
            """),
        new(2, "events' direction, credential kind and time source; the audit trail", """
            ALTER TABLE events ADD COLUMN direction text, ADD COLUMN credential_kind text, ADD COLUMN time_source text;
            -- Filled from the payloads already held (checked as UTF-8 JSON when stored); json, not jsonb, since a
            -- payload may hold \u0000, which jsonb refuses.
            UPDATE events SET
                direction = convert_from(payload, 'UTF8')::json ->> 'direction',
                credential_kind = convert_from(payload, 'UTF8')::json -> 'credential' ->> 'kind',
                time_source = convert_from(payload, 'UTF8')::json ->> 'timeSource';
            CREATE TABLE audit(
                id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at     timestamptz NOT NULL,
                actor  text        NOT NULL,
                action text        NOT NULL,
                detail text        NOT NULL
            );
            CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit trail is append-only';
            END $$;
            CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
                FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
            """),
        new(3, "redacted events, personal events by time, daily distinct people", """
            ALTER TABLE events ADD COLUMN redacted_at timestamptz;
            CREATE INDEX events_personal_occurred ON events(occurred_at) WHERE subject IS NOT NULL;
            CREATE TABLE daily_people(
                site_id         text   NOT NULL,
                date            date   NOT NULL,
                distinct_people bigint NOT NULL,
                covered_id      bigint NOT NULL,
                PRIMARY KEY(site_id, date)
            );
            """),
        new(4, "the event log's index by door and time; the audit trail's addresses, by actor and action", """
            -- The event log pages newest first by time: a door's page reads the end of an index instead of sorting.
            CREATE INDEX events_kiosk_occurred ON events(site_id, kiosk_id, occurred_at);
            ALTER TABLE audit ADD COLUMN address text;
            CREATE INDEX audit_actor ON audit(actor, id);
            CREATE INDEX audit_action ON audit(action, id);
            """),
    ];
}
