import Foundation
import KawarabanCore
import Newsroom
import Store

/// Why a glossary operation failed.
public enum GlossaryError: Error, Sendable, CustomStringConvertible {
    case invalidEntries(String)
    case store(StoreError)

    public var description: String {
        switch self {
        case .invalidEntries(let problems): return "invalid glossary entries:\n\(problems)"
        case .store(let error): return error.description
        }
    }
}

/// What an operator does with the glossary (`kawaraban glossary …`) and what migrating does: seed
/// it, set, import and export entries, and rewrite stored articles after renderings changed.
public struct GlossaryMaintenance: Sendable {
    /// Items read at a time by `apply`.
    static let rewriteBatch = 200

    let store: Store
    let now: @Sendable () -> Date

    public init(store: Store, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// Writes the seed shipped for the edition's language wherever the glossary lacks an entry or
    /// holds a different one that is not an operator's. Returns how many entries were written.
    @discardableResult
    public func seed(languageCode: String) async throws(GlossaryError) -> Int {
        let seed: [GlossaryEntry]
        do {
            seed = try GlossaryFile.seed(languageCode: languageCode)
        } catch {
            throw .invalidEntries(error.description)
        }
        let stored = Dictionary(try await entries().map { ($0.key, $0) }) { first, _ in first }
        // New names go in together; only a name the seed now renders differently is written alone.
        var written: Int
        do {
            written = try await store.insertGlossaryEntriesIfNew(seed.filter { stored[$0.key] == nil }, now: now())
        } catch {
            throw .store(error)
        }
        for entry in seed {
            guard let current = stored[entry.key] else { continue }
            if current.origin == .operator
                || (current.origin == .seed && current.rendering == entry.rendering && current.original == entry.original) {
                continue
            }
            if try await write(entry, .replaceUnlessOperator) { written += 1 }
        }
        return written
    }

    public func entries(kind: EntityKind? = nil) async throws(GlossaryError) -> [GlossaryEntry] {
        do {
            return try await store.glossaryEntries(kind: kind)
        } catch {
            throw .store(error)
        }
    }

    /// Sets an operator's entry; the rendering it replaces is kept for `apply`. True when it changed.
    public func set(original: String, rendering: String, kind: EntityKind?) async throws(GlossaryError) -> Bool {
        let original = original.trimmingCharacters(in: .whitespaces)
        let rendering = rendering.trimmingCharacters(in: .whitespaces)
        if let problem = GlossaryFile.problem(original: original, rendering: rendering) { throw .invalidEntries(problem) }
        return try await write(GlossaryEntry(original: original, rendering: rendering, kind: kind, origin: .operator), .replace)
    }

    /// Sets every entry of a glossary file as the operator's; nothing is written unless every line
    /// is valid. Returns how many entries changed.
    public func importEntries(from text: String) async throws(GlossaryError) -> Int {
        let entries: [GlossaryEntry]
        do {
            entries = try GlossaryFile.parse(text, origin: .operator)
        } catch {
            throw .invalidEntries(error.description)
        }
        var changed = 0
        for entry in entries where try await write(entry, .replace) { changed += 1 }
        return changed
    }

    public func export() async throws(GlossaryError) -> String {
        GlossaryFile.format(try await entries())
    }

    /// Rewrites every stored analysis and translation that still uses an earlier rendering of a
    /// glossary entry with its rendering now. Returns how many items changed.
    public func apply() async throws(GlossaryError) -> Int {
        let fix = RenderingFix.renderingChanges(in: try await entries())
        var changed = 0
        var after: Int64 = 0
        do {
            while true {
                let batch = try await store.editorialTexts(after: after, limit: Self.rewriteBatch)
                guard let last = batch.last else { break }
                for texts in batch {
                    let analysis = texts.analysis.map(fix.apply(to:))
                    let translation = texts.translation.map(fix.apply(to:))
                    guard analysis != texts.analysis || translation != texts.translation else { continue }
                    try await store.rewriteEditorialTexts(
                        of: texts.itemID, analysis: analysis == texts.analysis ? nil : analysis,
                        translation: translation == texts.translation ? nil : translation, now: now())
                    changed += 1
                }
                after = last.itemID
            }
        } catch {
            throw .store(error)
        }
        return changed
    }

    private func write(_ entry: GlossaryEntry, _ mode: GlossaryWrite) async throws(GlossaryError) -> Bool {
        do {
            return try await store.writeGlossaryEntry(entry, mode, now: now())
        } catch {
            throw .store(error)
        }
    }
}
