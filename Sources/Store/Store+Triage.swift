import Foundation
import KawarabanCore
import SQLKit

/// An item triage judged not worth fetching, with why.
public struct TriageSkip: Sendable, Hashable, Codable {
    public var itemID: Int64
    public var title: String
    public var reason: String
    public var triagedAt: Date
}

/// The triage verdicts kept on item rows. The pipeline decides what a verdict means (the bar, the
/// stage that follows, the words of a skip); the store keeps it, with the content it was given for.
extension Store {
    /// A verdict given before for exactly this content, by content: each is looked up by its hash,
    /// and the stored content compared in full, so that a hash collision reuses nothing.
    public func triageVerdicts(for contents: [(hash: String, content: String)]) async throws(StoreError) -> [String: TriageVerdict] {
        guard !contents.isEmpty else { return [:] }
        let wanted = Set(contents.map(\.content))
        return try await translatingErrors("looking up triage verdicts") {
            var verdicts: [String: TriageVerdict] = [:]
            for row in try await database.raw("""
                SELECT triage_content, triage_about_ai, triage_worth, triage_reason FROM items
                WHERE triage_hash IN (\(binds: Array(Set(contents.map(\.hash))))) AND triaged_at IS NOT NULL
                ORDER BY triaged_at DESC
                """).all() {
                guard let content = try row.decode(column: "triage_content", as: String?.self), wanted.contains(content),
                      verdicts[content] == nil, let worth = try row.decode(column: "triage_worth", as: Int?.self)
                else { continue }
                verdicts[content] = TriageVerdict(aboutAI: try row.decode(column: "triage_about_ai", as: Int?.self) == 1, worth: worth,
                                                  reason: try row.decode(column: "triage_reason", as: String?.self) ?? "")
            }
            return verdicts
        }
    }

    /// Records a held item's verdict and the content it was given for, moves it to `stage` and
    /// lets it go; `note` becomes its `last_error` (the reason a skipped item shows). Refused
    /// (false) when `owner` no longer holds it.
    public func recordTriage(_ itemID: Int64, owner: String, verdict: TriageVerdict, contentHash: String, content: String,
                             to stage: Stage, note: String?, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("recording the triage of item \(itemID)") {
            try await database.raw("""
                UPDATE items SET stage = \(bind: stage.rawValue), \(Self.release), last_error = \(bind: note.map(StoredText.lines)),
                    attempts = 0, next_attempt_at = NULL, updated_at = \(bind: now.storedValue),
                    triage_about_ai = \(bind: verdict.aboutAI ? 1 : 0), triage_worth = \(bind: verdict.worth),
                    triage_reason = \(bind: StoredText.line(verdict.reason)), triage_hash = \(bind: contentHash),
                    triage_content = \(bind: content), triaged_at = \(bind: now.storedValue)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
        }
    }

    /// Items triage skipped since `since`.
    public func triageSkippedCount(since: Date) async throws(StoreError) -> Int {
        try await translatingErrors("counting items triage skipped") {
            try await database.raw("""
                SELECT COUNT(*) AS count FROM items
                WHERE triaged_at >= \(bind: since.storedValue) AND \(Self.skippedByTriage)
                """).first()?.decode(column: "count", as: Int.self) ?? 0
        }
    }

    /// Items triage skipped, most recent first.
    public func triageSkips(limit: Int) async throws(StoreError) -> [TriageSkip] {
        try await translatingErrors("listing items triage skipped") {
            try await database.raw("""
                SELECT id, title, last_error, triaged_at FROM items WHERE triaged_at IS NOT NULL AND \(Self.skippedByTriage)
                ORDER BY triaged_at DESC, id DESC LIMIT \(bind: limit)
                """).all().map { row in
                TriageSkip(itemID: try row.decode(column: "id", as: Int64.self),
                           title: try row.decode(column: "title", as: String.self),
                           reason: try row.decode(column: "last_error", as: String?.self) ?? "",
                           triagedAt: Date(stored: try row.decode(column: "triaged_at", as: Double.self)))
            }
        }
    }

    /// Skipped with a verdict and not folded into another story: triage's doing, not a merge's.
    static let skippedByTriage: SQLQueryString = "stage = \(literal: Stage.skipped.rawValue) AND merged_into IS NULL"
}
