using Microsoft.Data.Sqlite;

namespace DocQa.Storage.Sqlite;

/// <summary>The database layout, versioned with PRAGMA user_version.</summary>
internal static class Schema
{
    /// <summary>
    /// Version 6: a journal of the documents whose chunks changed (search_journal) and the store's identity
    /// (store_info), so that the search state can be checkpointed to a file and caught up at open instead of rebuilt.
    /// Version 5: each document records the pages read by OCR and the warnings of its extraction (empty for documents
    /// stored before). Version 4: each document may record the path of the file it was read from (source_path), and
    /// documents are found by content hash (a copy reuses the chunks of the same bytes). Version 3: documents, chunks
    /// and chunk_vectors (float32); each document records the embedding model of its vectors and the metadata derived
    /// at ingestion, and each chunk the length of its lead (the text not embedded). Version 2 lacked those three
    /// columns: every vector then was all-MiniLM-L6-v2's, and its documents have no metadata until they are uploaded
    /// again. Version 1 also had an FTS5 index over the chunks; keyword search now runs on an in-memory index built
    /// from the chunks at open, so version 2 dropped it.
    /// </summary>
    public const int Version = 6;

    private const string Create = """
        CREATE TABLE IF NOT EXISTS documents (
            index_name         TEXT    NOT NULL,
            id                 TEXT    NOT NULL,
            file_name          TEXT    NOT NULL,
            content_type       TEXT    NOT NULL,
            size_bytes         INTEGER NOT NULL,
            sha256             TEXT    NOT NULL,
            tags               TEXT    NOT NULL DEFAULT '{}',  -- JSON object of string -> string
            status             TEXT    NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
            error              TEXT,
            pages              INTEGER NOT NULL DEFAULT 0,
            pages_without_text INTEGER NOT NULL DEFAULT 0,
            chunks             INTEGER NOT NULL DEFAULT 0,
            attempts           INTEGER NOT NULL DEFAULT 0,
            created_at         TEXT    NOT NULL,  -- UTC, fixed-width ISO 8601, so text order is time order
            updated_at         TEXT    NOT NULL,
            queue_seq          INTEGER NOT NULL,  -- grows each time a document enters the queue: FIFO claims
            embedding_model    TEXT,              -- the model of its chunks' vectors
            metadata           TEXT    NOT NULL DEFAULT '{}',  -- JSON object: what ingestion derived (title, organization, ...)
            source_path        TEXT,              -- where the file lives, for documents read from a folder
            pages_ocr          TEXT    NOT NULL DEFAULT '[]',  -- JSON array of the page numbers read by OCR
            warnings           TEXT    NOT NULL DEFAULT '[]',  -- JSON array of what could not be read
            PRIMARY KEY (index_name, id)
        );
        CREATE INDEX IF NOT EXISTS ix_documents_queue ON documents (status, queue_seq);  -- the next claim
        CREATE INDEX IF NOT EXISTS ix_documents_queue_seq ON documents (queue_seq);     -- the next queue number
        CREATE INDEX IF NOT EXISTS ix_documents_created ON documents (index_name, created_at, id);
        CREATE INDEX IF NOT EXISTS ix_documents_sha256 ON documents (index_name, sha256);  -- copies of the same bytes

        -- AUTOINCREMENT: a row id is never reused, so an id seen in the vector matrix names one chunk for ever.
        CREATE TABLE IF NOT EXISTS chunks (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            chunk_id    TEXT    NOT NULL,
            index_name  TEXT    NOT NULL,
            document_id TEXT    NOT NULL,
            ordinal     INTEGER NOT NULL,
            text        TEXT    NOT NULL,
            heading     TEXT,
            page        INTEGER NOT NULL,
            page_end    INTEGER NOT NULL,
            lead_length INTEGER NOT NULL DEFAULT 0,  -- leading characters repeated from earlier, not embedded
            FOREIGN KEY (index_name, document_id) REFERENCES documents (index_name, id) ON DELETE CASCADE
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_chunks_chunk_id ON chunks (index_name, chunk_id);
        CREATE INDEX IF NOT EXISTS ix_chunks_document ON chunks (index_name, document_id, ordinal);

        -- Vectors live apart from the text: they are read once, at open, and for the exact rescoring of a few
        -- candidates; text rows without a 1.5 KB vector each pack several to a page.
        CREATE TABLE IF NOT EXISTS chunk_vectors (
            chunk_rowid INTEGER PRIMARY KEY REFERENCES chunks (id) ON DELETE CASCADE,
            vector      BLOB NOT NULL  -- float32 little-endian, unit length
        );

        -- Facts about this database: its random identity (store_id) and the search checkpoint it vouches for.
        CREATE TABLE IF NOT EXISTS store_info (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        INSERT OR IGNORE INTO store_info (key, value) VALUES ('store_id', lower(hex(randomblob(16))));

        -- One row per change of a document's chunks (document_id NULL: the whole index went), appended in the
        -- transaction that made it: what a search checkpoint taken at an earlier seq lacks. Trimmed at each checkpoint.
        CREATE TABLE IF NOT EXISTS search_journal (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            index_name  TEXT NOT NULL,
            document_id TEXT
        );
        """;

    private const string DropFullTextV1 = """
        DROP TRIGGER IF EXISTS chunks_after_insert;
        DROP TRIGGER IF EXISTS chunks_after_delete;
        DROP TRIGGER IF EXISTS chunks_after_update;
        DROP TABLE IF EXISTS chunks_vocab;
        DROP TABLE IF EXISTS chunks_fts;
        """;

    /// <summary>Every vector stored before version 3 was all-MiniLM-L6-v2's.</summary>
    private const string LegacyModelV2 = """
        UPDATE documents SET embedding_model = 'all-MiniLM-L6-v2'
        WHERE embedding_model IS NULL AND EXISTS (SELECT 1 FROM chunks WHERE chunks.index_name = documents.index_name AND chunks.document_id = documents.id);
        """;

    /// <summary>Creates the schema in a new file, upgrades an older one, accepts this version, refuses a newer one.</summary>
    public static void Ensure(SqliteConnection connection)
    {
        // WAL is a property of the file: set once, readers then never wait for the writer.
        Execute(connection, "PRAGMA journal_mode = WAL;");

        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
        if (version == Version) return;
        if (version > Version)
            throw new NotSupportedException($"The database has schema version {version}; this build knows versions up to {Version}.");

        using var transaction = connection.BeginTransaction();
        Execute(connection, Create, transaction);
        if (version == 1) Execute(connection, DropFullTextV1, transaction);
        if (version is 1 or 2)
        {
            AddColumnIfMissing(connection, transaction, "documents", "embedding_model", "TEXT");
            AddColumnIfMissing(connection, transaction, "chunks", "lead_length", "INTEGER NOT NULL DEFAULT 0");
            AddColumnIfMissing(connection, transaction, "documents", "metadata", "TEXT NOT NULL DEFAULT '{}'");
            Execute(connection, LegacyModelV2, transaction);
        }
        if (version is >= 1 and <= 4)
        {
            AddColumnIfMissing(connection, transaction, "documents", "source_path", "TEXT");
            AddColumnIfMissing(connection, transaction, "documents", "pages_ocr", "TEXT NOT NULL DEFAULT '[]'");
            AddColumnIfMissing(connection, transaction, "documents", "warnings", "TEXT NOT NULL DEFAULT '[]'");
        }
        Execute(connection, $"PRAGMA user_version = {Version};", transaction);
        transaction.Commit();
    }

    private static void AddColumnIfMissing(SqliteConnection connection, SqliteTransaction transaction, string table, string column, string definition)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition};", transaction);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
