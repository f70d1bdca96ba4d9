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
        let texts = [article.title] + article.blocks.map(\.plainText)
        do {
            return try await pool.run { Glossary(entries).relevant(to: texts) }
        } catch {
            throw StageFailure(stage: stage, reason: "\(error)", isTransient: true)
        }
    }

    /// Records the analysis's entities (new names enter the glossary, the first rendering winning
    /// over analyses running at the same time) and returns the analysis written the glossary's way.
    func settle(_ analysis: Analysis, of item: Item, glossary: Glossary) async throws(StageFailure) -> Analysis {
        let recorded: [GlossaryEntry]
        do {
            // Nil when the lease was lost: the write of the step is refused as well.
            recorded = try await store.recordEntities(analysis.entities, of: item.id, owner: owner, now: rules.now) ?? []
        } catch {
            throw StageFailure(stage: .extracted, reason: error.description, isTransient: true)
        }
        return Glossary.settle(analysis, with: recorded + glossary.entries)
    }
}
