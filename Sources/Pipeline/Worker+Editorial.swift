import Foundation
import KawarabanCore
import Newsroom
import Store

/// What the editorial stages keep beside an item: the evidence that it tries to steer the model,
/// and the translation finished so far.
extension Worker {
    /// Looks in the fetched page, before it is dropped, for text hidden from readers that speaks to
    /// a model, and records what it finds.
    func screenPage(_ item: Item) async throws(StageFailure) {
        guard let html = item.pageHTML else { return }
        // A page of megabytes takes a scan of its own: off the threads that serve the site.
        let evidence: [InjectionEvidence]
        do {
            evidence = try await pool.run { InjectionDetector.scan(html: html) }
        } catch {
            throw StageFailure(stage: .fetched, reason: "\(error)", isTransient: true)
        }
        guard !evidence.isEmpty else { return }
        try await recordSuspicion(evidence, of: item, stage: .fetched)
    }

    /// Everything found against the item: what its page hid (recorded at extraction), and what its
    /// article and feed content say. Recorded again when the article or feed added something.
    func suspicion(of item: Item, article: Article) async throws(StageFailure) -> [InjectionEvidence] {
        let stored: [InjectionEvidence]
        do {
            stored = try await store.suspicion(of: item.id, as: [InjectionEvidence].self) ?? []
        } catch {
            throw StageFailure(stage: item.stage, reason: error.description, isTransient: true)
        }
        let feedHTML = [item.feedEntry.contentHTML, item.feedEntry.summary].compactMap { $0 }
        let found: [InjectionEvidence]
        do {
            found = try await pool.run { InjectionDetector.scan(article: article) + feedHTML.flatMap(InjectionDetector.scan(html:)) }
        } catch {
            throw StageFailure(stage: item.stage, reason: "\(error)", isTransient: true)
        }
        let all = stored + found.filter { !stored.contains($0) }
        if all.count > stored.count {
            try await recordSuspicion(Array(all.prefix(InjectionDetector.maximumEvidence)), of: item, stage: item.stage)
        }
        return all
    }

    private func recordSuspicion(_ evidence: [InjectionEvidence], of item: Item, stage: Stage) async throws(StageFailure) {
        logger.warning("text aimed at a model found", metadata: [
            "item": "\(item.id)", "evidence": "\(evidence.map(\.description).joined(separator: "; "))",
        ])
        do {
            _ = try await store.markSuspicious(item.id, evidence: evidence, owner: owner, now: Date())
        } catch {
            throw StageFailure(stage: stage, reason: error.description, isTransient: true)
        }
    }
}
