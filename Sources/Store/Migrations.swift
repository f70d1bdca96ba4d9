import Foundation
import SQLKit
import SQLiteKit

/// One step of the schema, in order. A step never changes once released; later needs get a new step.
struct Migration: Sendable {
    let version: Int
    let statements: @Sendable (Dialect) -> [String]
}

extension Store {
    /// A lock key all Kawaraban processes agree on, so that only one migrates at a time.
    static let migrationLockKey = 0x4B41_5741
    /// How often a migration refused with SQLite's BUSY is begun, and the pause before each retry
    /// (times the attempt).
    static let migrationBusyAttempts = 4
    static let migrationBusyPause: Duration = .milliseconds(200)

    static let migrations: [Migration] = [
        Migration(version: 1) { dialect in
            let id = dialect.autoIncrementPrimaryKey
            let time = dialect.timestamp
            return [
                """
                CREATE TABLE sources (
                    id \(id),
                    url TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    interval_seconds \(time) NOT NULL,
                    etag TEXT,
                    last_modified TEXT,
                    last_fetch_at \(time),
                    last_status INTEGER,
                    items_found INTEGER NOT NULL DEFAULT 0,
                    new_items INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    consecutive_failures INTEGER NOT NULL DEFAULT 0,
                    next_fetch_at \(time),
                    created_at \(time) NOT NULL
                )
                """,
                """
                CREATE TABLE items (
                    id \(id),
                    source_id \(dialect.bigInteger) NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                    guid TEXT NOT NULL,
                    url TEXT NOT NULL,
                    canonical_url TEXT NOT NULL UNIQUE,
                    title TEXT NOT NULL,
                    summary TEXT,
                    content_html TEXT,
                    author TEXT,
                    feed_published_at \(time),
                    discovered_at \(time) NOT NULL,
                    stage TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    next_attempt_at \(time),
                    lease_owner TEXT,
                    lease_until \(time),
                    page_html TEXT,
                    article_json TEXT,
                    analysis_json TEXT,
                    translation_json TEXT,
                    published_at \(time),
                    updated_at \(time) NOT NULL
                )
                """,
                "CREATE INDEX items_queue ON items (stage, lease_until, next_attempt_at)",
                "CREATE INDEX items_published ON items (published_at)",
                "CREATE INDEX items_source ON items (source_id)",
            ]
        },
        // One story, every source that carried it: the item keeps the source that found it
        // first, and this table lists them all, with the URL each one gave.
        Migration(version: 2) { dialect in
            [
                """
                CREATE TABLE item_sources (
                    item_id \(dialect.bigInteger) NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    source_id \(dialect.bigInteger) NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    discovered_at \(dialect.timestamp) NOT NULL,
                    PRIMARY KEY (item_id, source_id)
                )
                """,
                "CREATE INDEX item_sources_source ON item_sources (source_id)",
                "INSERT INTO item_sources (item_id, source_id, url, discovered_at) SELECT id, source_id, url, discovered_at FROM items",
                // What video feeds and Hacker News add to an entry: the 動画 page and Hacker日報 read these.
                "ALTER TABLE items ADD COLUMN image_url TEXT",
                "ALTER TABLE items ADD COLUMN video_id TEXT",
                "ALTER TABLE items ADD COLUMN comments_url TEXT",
                "ALTER TABLE items ADD COLUMN comment_count INTEGER",
                "ALTER TABLE items ADD COLUMN score INTEGER",
            ]
        },
        // The queue counts claims, so that an item that brings down every worker taking it is
        // given up, and serves sources in turn, so that one source's flood does not starve the rest.
        Migration(version: 3) { dialect in
            [
                "ALTER TABLE items ADD COLUMN claims INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE sources ADD COLUMN queue_turn \(dialect.bigInteger) NOT NULL DEFAULT 0",
                // Only the backlog, so that a claim walks a source's waiting items, never its history.
                "CREATE INDEX items_backlog ON items (source_id, id) WHERE stage IN ('discovered', 'fetched', 'extracted', 'analysed', 'translated')",
            ]
        },
        // What keeps an operator in control: the LLM pause every process shares (one row), sources
        // removed without losing what they published, and the story a merged item joined.
        Migration(version: 4) { dialect in
            let time = dialect.timestamp
            return [
                """
                CREATE TABLE llm_circuit (
                    name TEXT PRIMARY KEY,
                    version INTEGER NOT NULL,
                    consecutive_failures INTEGER NOT NULL DEFAULT 0,
                    pauses INTEGER NOT NULL DEFAULT 0,
                    paused_since \(time),
                    next_probe_at \(time),
                    probe_owner TEXT,
                    probe_until \(time),
                    last_success_at \(time),
                    last_error TEXT
                )
                """,
                "INSERT INTO llm_circuit (name, version) VALUES ('\(Store.llmCircuitName)', 0)",
                "ALTER TABLE sources ADD COLUMN removed_at \(time)",
                "ALTER TABLE items ADD COLUMN merged_into \(dialect.bigInteger)",
            ]
        },
        // The editorial stages' own state: translation finished so far (kept across attempts so
        // that a retry pays only for what is missing), and why an item looks like it tries to
        // steer the model (the evidence, for `status`).
        Migration(version: 5) { dialect in
            [
                "ALTER TABLE items ADD COLUMN translation_progress_json TEXT",
                "ALTER TABLE items ADD COLUMN suspicion_json TEXT",
                "ALTER TABLE items ADD COLUMN suspicious_at \(dialect.timestamp)",
                "CREATE INDEX items_suspicious ON items (suspicious_at)",
            ]
        },
        // Sources are claimed under a lease like items, so that several collectors fetch each
        // source once; a fetch keeps only the newest entries and records how many it kept; the
        // daily quota counts a source's items by discovery time.
        Migration(version: 6) { dialect in
            [
                "ALTER TABLE sources ADD COLUMN items_kept INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE sources ADD COLUMN lease_owner TEXT",
                "ALTER TABLE sources ADD COLUMN lease_until \(dialect.timestamp)",
                "CREATE INDEX items_source_discovered ON items (source_id, discovered_at)",
            ]
        },
        // Triage before spending: each item's verdict, with the normalised title and summary it was
        // given for (and a hash to find them by), so that the same content is never judged twice;
        // the stage the collector put the item in, so that a requeue sends a failed triage back to
        // triage; sources whose every item is about AI. The backlog gains the new first stage.
        Migration(version: 7) { dialect in
            [
                "ALTER TABLE items ADD COLUMN triage_about_ai INTEGER",
                "ALTER TABLE items ADD COLUMN triage_worth INTEGER",
                "ALTER TABLE items ADD COLUMN triage_reason TEXT",
                "ALTER TABLE items ADD COLUMN triage_hash TEXT",
                "ALTER TABLE items ADD COLUMN triage_content TEXT",
                "ALTER TABLE items ADD COLUMN triaged_at \(dialect.timestamp)",
                "ALTER TABLE items ADD COLUMN entry_stage TEXT",
                "ALTER TABLE sources ADD COLUMN topic TEXT",
                "CREATE INDEX items_triage_hash ON items (triage_hash)",
                "CREATE INDEX items_triaged ON items (triaged_at)",
                "DROP INDEX items_backlog",
                "CREATE INDEX items_backlog ON items (source_id, id) WHERE stage IN ('collected', 'discovered', 'fetched', 'extracted', 'analysed', 'translated')",
            ]
        },
        // The cost ledger: every model call with its tokens (summed per day for the budget and
        // `usage`), and answers kept so that the same request, or the same translated segment,
        // is never paid for twice. The translation memory replaces the per-item progress column.
        Migration(version: 8) { dialect in
            [
                """
                CREATE TABLE llm_calls (
                    id \(dialect.autoIncrementPrimaryKey),
                    task TEXT NOT NULL,
                    model TEXT NOT NULL,
                    item_id \(dialect.bigInteger),
                    prompt_tokens INTEGER NOT NULL,
                    completion_tokens INTEGER NOT NULL,
                    duration_seconds \(dialect.timestamp) NOT NULL,
                    outcome TEXT NOT NULL,
                    started_at \(dialect.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX llm_calls_started ON llm_calls (started_at)",
                """
                CREATE TABLE llm_cache (
                    kind TEXT NOT NULL,
                    model TEXT NOT NULL,
                    prompt_version TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    created_at \(dialect.timestamp) NOT NULL,
                    PRIMARY KEY (kind, model, prompt_version, content_hash)
                )
                """,
                "ALTER TABLE items DROP COLUMN translation_progress_json",
            ]
        },
        // Entities stored normalised (one row per name, its aliases, the items that name it) for
        // the pages about a company or a product and for related articles; and the site-wide
        // glossary, one rendering per name, with the renderings it replaced for `glossary apply`.
        Migration(version: 9) { dialect in
            let time = dialect.timestamp
            let id = dialect.bigInteger
            return [
                """
                CREATE TABLE entities (
                    id \(dialect.autoIncrementPrimaryKey),
                    name_key TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at \(time) NOT NULL
                )
                """,
                """
                CREATE TABLE entity_aliases (
                    alias_key TEXT NOT NULL,
                    entity_id \(id) NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
                    PRIMARY KEY (alias_key, entity_id)
                )
                """,
                "CREATE INDEX entity_aliases_entity ON entity_aliases (entity_id)",
                """
                CREATE TABLE item_entities (
                    item_id \(id) NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    entity_id \(id) NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
                    main INTEGER NOT NULL,
                    PRIMARY KEY (item_id, entity_id)
                )
                """,
                "CREATE INDEX item_entities_entity ON item_entities (entity_id, item_id)",
                """
                CREATE TABLE glossary (
                    name_key TEXT PRIMARY KEY,
                    original TEXT NOT NULL,
                    rendering TEXT NOT NULL,
                    kind TEXT,
                    origin TEXT NOT NULL,
                    updated_at \(time) NOT NULL
                )
                """,
                """
                CREATE TABLE glossary_previous (
                    name_key TEXT NOT NULL REFERENCES glossary(name_key) ON DELETE CASCADE,
                    rendering TEXT NOT NULL,
                    replaced_at \(time) NOT NULL,
                    PRIMARY KEY (name_key, rendering)
                )
                """,
            ]
        },
        // What the reader's lists filter and sort by, kept beside the JSON they come from: the date
        // shown (the earlier of the feed's date and discovery, fixed at discovery), the importance
        // computed from the analysis's scores, and one row per tag. Filled for rows already stored.
        Migration(version: 10) { dialect in
            let id = dialect.bigInteger
            func score(_ axis: String) -> String {
                let raw = switch dialect {
                case .sqlite: "CAST(json_extract(analysis_json, '$.scores.\(axis)') AS INTEGER)"
                case .postgres: "CAST(CAST(analysis_json AS jsonb)->'scores'->>'\(axis)' AS INTEGER)"
                }
                return switch dialect {
                case .sqlite: "MIN(MAX(\(raw), 1), 5)"
                case .postgres: "LEAST(GREATEST(\(raw), 1), 5)"
                }
            }
            let tags = switch dialect {
            case .sqlite: "SELECT DISTINCT items.id, tags.value FROM items, json_each(items.analysis_json, '$.tags') AS tags WHERE items.analysis_json IS NOT NULL AND tags.type = 'text'"
            case .postgres: "SELECT DISTINCT items.id, tags.value FROM items, jsonb_array_elements_text(CAST(items.analysis_json AS jsonb)->'tags') AS tags(value) WHERE items.analysis_json IS NOT NULL"
            }
            return [
                "ALTER TABLE items ADD COLUMN shown_at \(dialect.timestamp)",
                "ALTER TABLE items ADD COLUMN importance INTEGER",
                "UPDATE items SET shown_at = CASE WHEN feed_published_at < discovered_at THEN feed_published_at ELSE discovered_at END",
                """
                UPDATE items SET importance = (\(score("depth")) * 4 + \(score("relevance")) * 3
                    + \(score("practicality")) * 2 + \(score("novelty")) + 5) / 10
                WHERE analysis_json IS NOT NULL
                """,
                "CREATE INDEX items_listing ON items (stage, shown_at, id)",
                """
                CREATE TABLE item_tags (
                    item_id \(id) NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    tag TEXT NOT NULL,
                    PRIMARY KEY (item_id, tag)
                )
                """,
                "CREATE INDEX item_tags_tag ON item_tags (tag, item_id)",
                "INSERT INTO item_tags (item_id, tag) \(tags)",
            ]
        },
        // Search (Store+Search.swift): one row per published item with its folded text. SQLite: an
        // FTS5 table whose trigram tokenizer finds any substring of three characters or more,
        // case-sensitive because the text is folded before it is stored, and the titles and TL;DR
        // again in a narrow table (search_heads) to rank from and to scan for short terms, since
        // reading them from the FTS5 table reads each body too. Both keep a copy of the item's
        // shown_at (fixed at discovery) to sort by: in items it sits behind the large JSON
        // columns, and reading it there walks each matching row's overflow pages. PostgreSQL: a plain table, whose
        // long bodies are stored apart (TOAST) anyway, with pg_trgm GIN indexes, which answer LIKE '%term%'. pg_trgm is created in the schema
        // public (where a test schema dropped with CASCADE cannot take it along) unless it exists
        // already, and its operator class is named with the schema it is in; when it cannot be
        // created (no right to), the table stays without indexes, search answers the same by
        // reading every row, and opening the store logs a warning. Rows are written by the store
        // at open (the backfill), so the migration only makes the table.
        Migration(version: 11) { dialect in
            switch dialect {
            case .sqlite:
                return [
                    "CREATE VIRTUAL TABLE search_text USING fts5(heading, tldr, body, tokenize = 'trigram case_sensitive 1')",
                    """
                    CREATE TABLE search_heads (
                        item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
                        heading TEXT NOT NULL,
                        tldr TEXT NOT NULL,
                        shown_at REAL NOT NULL
                    )
                    """,
                ]
            case .postgres:
                return [
                    """
                    CREATE TABLE search_text (
                        item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
                        heading TEXT NOT NULL,
                        tldr TEXT NOT NULL,
                        body TEXT NOT NULL,
                        shown_at DOUBLE PRECISION NOT NULL
                    )
                    """,
                    """
                    DO $$
                    DECLARE
                        trigram_schema name;
                    BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                            BEGIN
                                CREATE EXTENSION pg_trgm SCHEMA public;
                            EXCEPTION WHEN OTHERS THEN
                                RAISE WARNING 'search_text stays without trigram indexes: %', SQLERRM;
                            END;
                        END IF;
                        SELECT nspname INTO trigram_schema FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = pg_extension.extnamespace
                        WHERE extname = 'pg_trgm';
                        IF trigram_schema IS NOT NULL THEN
                            EXECUTE format('CREATE INDEX search_text_heading ON search_text USING gin (heading %I.gin_trgm_ops)', trigram_schema);
                            EXECUTE format('CREATE INDEX search_text_tldr ON search_text USING gin (tldr %I.gin_trgm_ops)', trigram_schema);
                            EXECUTE format('CREATE INDEX search_text_body ON search_text USING gin (body %I.gin_trgm_ops)', trigram_schema);
                        END IF;
                    END
                    $$
                    """,
                ]
            }
        },
        // What the site's page caches watch: one row per change of a published item (publication,
        // unpublication, a rewrite), written where the change is, so that every web process,
        // whichever process changed the item, drops the pages that show it. And facts about the
        // whole database the site shows, such as that its articles are synthetic (`kawaraban demo`).
        Migration(version: 12) { dialect in
            [
                """
                CREATE TABLE site_changes (
                    id \(dialect.autoIncrementPrimaryKey),
                    item_id \(dialect.bigInteger) NOT NULL,
                    kind TEXT NOT NULL,
                    previous_tags TEXT,
                    changed_at \(dialect.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX site_changes_time ON site_changes (changed_at)",
                "CREATE TABLE site_flags (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            ]
        },
        // Stories: the items about one event, whatever their URLs, and the 続報 threads that link
        // a developing story's days. An item not yet grouped has no story and stands for itself.
        Migration(version: 13) { dialect in
            [
                """
                CREATE TABLE stories (
                    id \(dialect.autoIncrementPrimaryKey),
                    lead_item_id \(dialect.bigInteger) NOT NULL,
                    thread_id \(dialect.bigInteger),
                    created_at \(dialect.timestamp) NOT NULL,
                    updated_at \(dialect.timestamp) NOT NULL
                )
                """,
                "CREATE INDEX stories_thread ON stories (thread_id)",
                "ALTER TABLE items ADD COLUMN story_id \(dialect.bigInteger)",
                "CREATE INDEX items_story ON items (story_id)",
                // The text's MinHash, written when the item is grouped: a later item compares with it.
                "ALTER TABLE items ADD COLUMN story_signature TEXT",
                // Set by an operator's split: the grouping never moves this item again.
                "ALTER TABLE items ADD COLUMN story_pinned INTEGER NOT NULL DEFAULT 0",
                "CREATE INDEX stories_lead ON stories (lead_item_id)",
            ]
        },
        // Digests: one row per slot (kind and day or week), claimed with a lease like an item so
        // that one process writes it, and the articles each written digest carries.
        Migration(version: 14) { dialect in
            let time = dialect.timestamp
            return [
                """
                CREATE TABLE digests (
                    kind TEXT NOT NULL,
                    slot TEXT NOT NULL,
                    state TEXT NOT NULL,
                    lease_owner TEXT,
                    lease_expires_at \(time),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    next_attempt_at \(time),
                    content_json TEXT,
                    written_at \(time),
                    created_at \(time) NOT NULL,
                    PRIMARY KEY (kind, slot)
                )
                """,
                """
                CREATE TABLE digest_items (
                    kind TEXT NOT NULL,
                    slot TEXT NOT NULL,
                    item_id \(dialect.bigInteger) NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (kind, slot, item_id)
                )
                """,
                "CREATE INDEX digest_items_item ON digest_items (item_id)",
            ]
        },
    ]

    /// Applies every migration not yet recorded, all in one transaction with their version rows,
    /// holding a lock so that two processes starting together do not both apply them; a crash
    /// halfway leaves nothing behind, and the next start applies them again. Returns the versions
    /// applied. On SQLite the transaction spans the store's only connection, so call this before
    /// the store is shared (`open` does).
    public func migrate() async throws(StoreError) -> [Int] {
        let dialect = self.dialect
        let schema = self.schema
        let applied = try await translatingErrors("migrating the schema") {
            var attempt = 1
            while true {
                do {
                    return try await withSingleConnection { database in
                        try await Self.applyPendingMigrations(on: database, dialect: dialect, schema: schema)
                    }
                } catch let error as SQLiteError where error.reason == .busy && attempt < Self.migrationBusyAttempts {
                    // SQLite answers BUSY at once, without waiting out busy_timeout, when waiting
                    // could deadlock: two processes opening one new file together meet it. The
                    // transaction was rolled back whole, so it is simply begun again.
                    attempt += 1
                    try await Task.sleep(for: Self.migrationBusyPause * attempt)
                }
            }
        }
        if !applied.isEmpty {
            logger.info("applied migrations \(applied)")
            // Rows published before a migration may lack what it added (search, migration 11).
            _ = try await indexPublishedMissingFromSearch()
        }
        return applied
    }

    /// Versions this build knows that the database has not recorded, without changing anything.
    public func pendingMigrations() async throws(StoreError) -> [Int] {
        try await translatingErrors("reading the schema version") {
            let recorded: Set<Int> = try await hasMigrationTable()
                ? Set(try await database.raw("SELECT version FROM kawaraban_migrations").all()
                    .map { try $0.decode(column: "version", as: Int.self) })
                : []
            return Self.migrations.map(\.version).filter { !recorded.contains($0) }
        }
    }

    private func hasMigrationTable() async throws -> Bool {
        let query: SQLQueryString = switch dialect {
        case .sqlite: "SELECT COUNT(*) AS count FROM sqlite_master WHERE type = 'table' AND name = 'kawaraban_migrations'"
        case .postgres: "SELECT COUNT(*) AS count FROM information_schema.tables WHERE table_name = 'kawaraban_migrations' AND table_schema = current_schema()"
        }
        return try await database.raw(query).first()?.decode(column: "count", as: Int.self) ?? 0 > 0
    }

    private static func applyPendingMigrations(on database: any SQLDatabase, dialect: Dialect, schema: String?) async throws -> [Int] {
        try await database.raw(SQLQueryString(dialect.beginWriteTransaction)).run()
        do {
            if dialect == .postgres {
                // Released at commit or rollback, so a crashed migrator never leaves it held.
                try await database.raw("SELECT pg_advisory_xact_lock(\(literal: migrationLockKey))").run()
                if let schema {
                    try await database.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
                }
            }
            try await database.raw(
                "CREATE TABLE IF NOT EXISTS kawaraban_migrations (version INTEGER PRIMARY KEY, applied_at \(unsafeRaw: dialect.timestamp) NOT NULL)"
            ).run()
            let done = Set(try await database.raw("SELECT version FROM kawaraban_migrations").all()
                .map { try $0.decode(column: "version", as: Int.self) })
            var applied: [Int] = []
            for migration in migrations where !done.contains(migration.version) {
                for statement in migration.statements(dialect) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.raw(
                    "INSERT INTO kawaraban_migrations (version, applied_at) VALUES (\(bind: migration.version), \(bind: Date().storedValue))"
                ).run()
                applied.append(migration.version)
            }
            try await database.raw("COMMIT").run()
            return applied
        } catch {
            try? await database.raw("ROLLBACK").run()
            throw error
        }
    }
}
