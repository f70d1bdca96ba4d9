import Foundation
import KawarabanCore
import SQLKit

/// One model call as stored in `llm_calls`. The pipeline fills it from the LLM client's records;
/// the store keeps and sums it without knowing what the values mean.
public struct LLMCallRow: Sendable, Hashable {
    public var task: String
    public var model: String
    public var itemID: Int64?
    public var promptTokens: Int
    public var completionTokens: Int
    public var durationSeconds: Double
    public var outcome: String
    public var startedAt: Date

    public init(task: String, model: String, itemID: Int64?, promptTokens: Int, completionTokens: Int,
                durationSeconds: Double, outcome: String, startedAt: Date) {
        self.task = task
        self.model = model
        self.itemID = itemID
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.durationSeconds = durationSeconds
        self.outcome = outcome
        self.startedAt = startedAt
    }

    public var tokens: Int { promptTokens + completionTokens }
}

/// The cost ledger (every call) and the answer cache, shared by every process.
extension Store {
    public func recordLLMCall(_ call: LLMCallRow) async throws(StoreError) {
        try await translatingErrors("recording an LLM call") {
            try await database.raw("""
                INSERT INTO llm_calls (task, model, item_id, prompt_tokens, completion_tokens, duration_seconds, outcome, started_at)
                VALUES (\(bind: call.task), \(bind: call.model), \(bind: call.itemID), \(bind: call.promptTokens),
                    \(bind: call.completionTokens), \(bind: call.durationSeconds), \(bind: call.outcome), \(bind: call.startedAt.storedValue))
                """).run()
        }
    }

    /// Prompt and completion tokens of every call started at or after `start`.
    public func llmTokens(since start: Date) async throws(StoreError) -> Int {
        try await translatingErrors("summing LLM tokens") {
            try await database.raw("""
                SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS tokens FROM llm_calls
                WHERE started_at >= \(bind: start.storedValue)
                """).first()?.decode(column: "tokens", as: Int.self) ?? 0
        }
    }

    /// Every call started at or after `start`, oldest first, for `usage` to group by day, task and model.
    public func llmCalls(since start: Date) async throws(StoreError) -> [LLMCallRow] {
        try await translatingErrors("reading LLM calls") {
            try await database.raw("""
                SELECT task, model, item_id, prompt_tokens, completion_tokens, duration_seconds, outcome, started_at
                FROM llm_calls WHERE started_at >= \(bind: start.storedValue) ORDER BY started_at, id
                """).all().map { row in
                LLMCallRow(task: try row.decode(column: "task", as: String.self),
                           model: try row.decode(column: "model", as: String.self),
                           itemID: try row.decode(column: "item_id", as: Int64?.self),
                           promptTokens: try row.decode(column: "prompt_tokens", as: Int.self),
                           completionTokens: try row.decode(column: "completion_tokens", as: Int.self),
                           durationSeconds: try row.decode(column: "duration_seconds", as: Double.self),
                           outcome: try row.decode(column: "outcome", as: String.self),
                           startedAt: Date(stored: try row.decode(column: "started_at", as: Double.self)))
            }
        }
    }

    /// The answer kept under this key, if any.
    public func cachedLLMAnswer(kind: String, model: String, promptVersion: String,
                                contentHash: String) async throws(StoreError) -> String? {
        try await translatingErrors("reading the LLM answer cache") {
            try await database.raw("""
                SELECT answer FROM llm_cache WHERE kind = \(bind: kind) AND model = \(bind: model)
                    AND prompt_version = \(bind: promptVersion) AND content_hash = \(bind: contentHash)
                """).first()?.decode(column: "answer", as: String.self)
        }
    }

    /// Keeps `answer` under the key, replacing what was kept: the caller stores only an answer it
    /// validated, which it asked for because the kept one was missing or no longer validated.
    public func storeLLMAnswer(_ answer: String, kind: String, model: String, promptVersion: String,
                               contentHash: String, now: Date) async throws(StoreError) {
        try await translatingErrors("storing an LLM answer") {
            try await database.raw("""
                INSERT INTO llm_cache (kind, model, prompt_version, content_hash, answer, created_at)
                VALUES (\(bind: kind), \(bind: model), \(bind: promptVersion), \(bind: contentHash), \(bind: answer),
                    \(bind: now.storedValue))
                ON CONFLICT (kind, model, prompt_version, content_hash)
                DO UPDATE SET answer = excluded.answer, created_at = excluded.created_at
                """).run()
        }
    }
}
