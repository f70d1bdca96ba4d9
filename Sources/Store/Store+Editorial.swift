import Foundation
import KawarabanCore
import SQLKit

/// An item found to hold text aimed at steering a model, with what was found.
public struct SuspiciousItem<Evidence: Decodable & Sendable>: Sendable {
    public var itemID: Int64
    public var title: String
    public var stage: Stage
    public var markedAt: Date
    public var evidence: Evidence
}

/// An item whose analysis or translation was accepted with a flaw, and the notes saying which.
public struct QualityNotedItem: Sendable, Codable {
    public var itemID: Int64
    public var title: String
    public var stage: Stage
    public var notes: [String]
}

/// What the editorial stages keep beside an item: the evidence that an item tries to steer the model. The values are the pipeline's; the store keeps
/// them as JSON and decides nothing about them. Every write is refused (false) unless `owner`
/// holds the item, like every other write of a step.
extension Store {
    public func suspicion<Evidence: Decodable>(of itemID: Int64, as type: Evidence.Type) async throws(StoreError) -> Evidence? {
        try await jsonColumn("suspicion_json", of: itemID, as: type, doing: "reading the suspicion of item \(itemID)")
    }

    /// One JSON column of one item, decoded; nil when the item or the value is absent.
    private func jsonColumn<Value: Decodable>(_ column: String, of itemID: Int64, as type: Value.Type,
                                             doing what: String) async throws(StoreError) -> Value? {
        try await translatingErrors(what) {
            try Self.decodeJSON(type, try await database.raw("SELECT \(unsafeRaw: column) FROM items WHERE id = \(bind: itemID)")
                .first()?.decode(column: column, as: String?.self))
        }
    }

    /// Records the evidence against an item, replacing what was recorded before; the time it was
    /// first marked is kept.
    public func markSuspicious(_ itemID: Int64, evidence: some Encodable & Sendable, owner: String, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("marking item \(itemID) as suspicious") {
            try await database.raw("""
                UPDATE items SET suspicion_json = \(bind: try Self.json(evidence)),
                    suspicious_at = COALESCE(suspicious_at, \(bind: now.storedValue))
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
        }
    }

    /// Items marked suspicious, most recently marked first.
    public func suspiciousItems<Evidence: Decodable & Sendable>(limit: Int, evidence type: Evidence.Type) async throws(StoreError) -> [SuspiciousItem<Evidence>] {
        try await translatingErrors("listing suspicious items") {
            try await database.raw("""
                SELECT id, title, stage, suspicious_at, suspicion_json FROM items
                WHERE suspicious_at IS NOT NULL
                ORDER BY suspicious_at DESC, id DESC LIMIT \(bind: limit)
                """).all().compactMap { row in
                guard let evidence = try Self.decodeJSON(type, row.decode(column: "suspicion_json", as: String?.self)) else {
                    return nil
                }
                return SuspiciousItem(
                    itemID: try row.decode(column: "id", as: Int64.self),
                    title: try row.decode(column: "title", as: String.self),
                    stage: Stage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .failed,
                    markedAt: Date(stored: try row.decode(column: "suspicious_at", as: Double.self)),
                    evidence: evidence)
            }
        }
    }

    /// Stored analyses and translations carry the key only when they have notes.
    private static let qualityNotesPattern = "%\"qualityNotes\"%"

    /// How many items have an analysis or translation accepted with quality notes, and the most
    /// recent `limit` of them with their notes.
    public func qualityNotedItems(limit: Int) async throws(StoreError) -> (count: Int, latest: [QualityNotedItem]) {
        try await translatingErrors("listing items with quality notes") {
            let pattern = Self.qualityNotesPattern
            let count = try await database.raw("""
                SELECT COUNT(*) AS n FROM items
                WHERE analysis_json LIKE \(bind: pattern) OR translation_json LIKE \(bind: pattern)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            let latest = try await database.raw("""
                SELECT id, title, stage, analysis_json, translation_json FROM items
                WHERE analysis_json LIKE \(bind: pattern) OR translation_json LIKE \(bind: pattern)
                ORDER BY id DESC LIMIT \(bind: limit)
                """).all().map { row in
                let analysis = try Self.decodeJSON(Analysis.self, row.decode(column: "analysis_json", as: String?.self))
                let translation = try Self.decodeJSON(Translation.self, row.decode(column: "translation_json", as: String?.self))
                return QualityNotedItem(
                    itemID: try row.decode(column: "id", as: Int64.self),
                    title: try row.decode(column: "title", as: String.self),
                    stage: Stage(rawValue: try row.decode(column: "stage", as: String.self)) ?? .failed,
                    notes: (analysis?.qualityNotes ?? []).map { "analysis: \($0)" }
                        + (translation?.qualityNotes ?? []).map { "translation: \($0)" })
            }
            return (count, latest)
        }
    }
}
