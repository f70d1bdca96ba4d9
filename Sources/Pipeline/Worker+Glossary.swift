import Foundation
import KawarabanCore
import Newsroom
import Store

/// The glossary in the editorial stages: the entries an article names go to the analyst and the
/// translator, and an analysis is made to keep to the glossary before it is stored.
extension Worker {
    /// The glossary's entries whose originals the article names (bounded by
    /// `Glossary.maximumEntriesPerArticle`).
    func glossary(for article: Article, stage: Stage) async throws(StageFailure) -> Glossary {
        let entries: [GlossaryEntry]
        do {
            entries = try await store.glossaryEntries()
        } catch {
            throw StageFailure(stage: stage, reason: error.description, isTransient: true)
        }
        do {
            return try await pool.run { Glossary(entries).relevant(to: Glossary.texts(of: article)) }
        } catch {
            throw StageFailure(stage: stage, reason: "\(error)", isTransient: true)
        }
    }

    /// Records the analysis's entities and returns the analysis written the glossary's way. New
    /// names enter the glossary (the first rendering winning over analyses running at the same
    /// time) as `Glossary.namesToAdopt` allows.
    func settle(_ analysis: Analysis, of item: Item, article: Article, suspicious: Bool,
                glossary: Glossary) async throws(StageFailure) -> Analysis {
        let adopted = Glossary.namesToAdopt(from: analysis.entities, of: article, suspicious: suspicious)
        let entries: [GlossaryEntry]
        let aliases: [String: [String]]
        do {
            // Nil when the lease was lost: the write of the step is refused as well.
            let recorded = try await store.recordEntities(analysis.entities, of: item.id, owner: owner, now: rules.now,
                                                          glossaryNames: adopted) ?? []
            entries = recorded + glossary.entries
            aliases = try await store.entityAliases(nameKeys: entries.map(\.key))
        } catch {
            throw StageFailure(stage: .extracted, reason: error.description, isTransient: true)
        }
        return Glossary.settle(analysis, with: entries, aliases: aliases)
    }
}
