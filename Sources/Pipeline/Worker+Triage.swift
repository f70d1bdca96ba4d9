import Extraction
import Foundation
import KawarabanCore
import Newsroom
import Store

/// Triage: new items judged in batches from their titles and summaries, before anything is
/// fetched, so that what is not about AI or not worth a reader's time costs one share of one call.
extension Worker {
    /// Feed markup read to find a summary's first words; the summary triage reads is far shorter.
    static let triageSummaryMarkupCharacters = 8_000

    /// Up to `Triager.maximumBatch` items waiting for triage, claimed together so that one call
    /// judges them all; nil when none can be claimed now, or another lane is claiming a batch.
    /// The first goes through the circuit breaker (a paused provider gets no batch; the probe is
    /// one batch, one call), the rest join it.
    func claimTriageBatch() async throws -> [Item]? {
        let mine = claimingTriageBatch.withLock { busy -> Bool in
            guard !busy else { return false }
            busy = true
            return true
        }
        guard mine else { return nil }
        defer { claimingTriageBatch.withLock { $0 = false } }
        guard let first = try await circuit.claim(stages: [.collected], owner: owner, lease: settings.lease, now: rules.now, { stages in
            try await self.store.claim(stages: stages, owner: self.owner, limit: 1, lease: self.settings.lease,
                                       giveUp: self.rules.claimLimit).first
        }) else { return nil }
        let more = try await store.claim(stages: [.collected], owner: owner, limit: Triager.maximumBatch - 1,
                                         lease: settings.lease, giveUp: rules.claimLimit)
        return [first] + more
    }

    /// Judges a batch and writes each verdict: on to fetching, or skipped with the reason. A
    /// failure of the call is the whole batch's: deferred while the provider is down, else
    /// retried or failed item by item like any step.
    func triage(_ items: [Item]) async throws -> StepResult {
        let stepStartedAt = rules.now
        do {
            return .batch(try await whileHolding(items) { try await self.judge(items) })
        } catch is LeaseLost {
            logger.warning("lease lost during triage; nothing written", metadata: ["items": "\(items.map(\.id))"])
            return .lostLease
        } catch let failure as StageFailure {
            return .batch(try await recordTriageFailure(failure, of: items, stepStartedAt: stepStartedAt))
        }
    }

    private func judge(_ items: [Item]) async throws -> [StepResult] {
        guard let desk else { throw StageFailure(stage: .collected, reason: "no LLM is configured", isTransient: true) }
        let candidates = try await triageCandidates(items)
        var verdicts: [String: TriageVerdict]
        do {
            verdicts = try await store.triageVerdicts(for: candidates.map { ($0.contentHash, $0.content) })
        } catch {
            throw StageFailure(stage: .collected, reason: error.description, isTransient: true)
        }
        // Content judged before costs nothing; content twice in the batch is asked about once.
        var unjudged: [TriageCandidate] = []
        for candidate in candidates where verdicts[candidate.content] == nil
            && !unjudged.contains(where: { $0.content == candidate.content }) {
            unjudged.append(candidate)
        }
        if !unjudged.isEmpty {
            let answered: [Int64: TriageVerdict]
            do {
                answered = try await desk.triager.triage(unjudged)
            } catch {
                throw StageFailure(stage: .collected, reason: error.description, isTransient: error.isTransient)
            }
            try await circuit.recordAnswer(now: rules.now)
            for candidate in unjudged { verdicts[candidate.content] = answered[candidate.id] }
        }
        var results: [StepResult] = []
        var skipped = 0
        for (item, candidate) in zip(items, candidates) {
            guard let verdict = verdicts[candidate.content] else {
                throw StageFailure(stage: .collected, reason: "no verdict for item \(item.id)", isTransient: false)
            }
            var stage = Stage.skipped
            var note: String?
            switch rules.outcome(of: verdict, minimumWorth: settings.triageMinimumWorth) {
            case .proceed: stage = try rules.stage(after: .collected)
            case .skip(let reason): note = reason
            }
            let kept = try await store.recordTriage(item.id, owner: owner, verdict: verdict, contentHash: candidate.contentHash,
                                                    content: candidate.content, to: stage, note: note, now: rules.now)
            if kept && stage == .skipped { skipped += 1 }
            results.append(kept ? (stage == .skipped ? .skipped : .advanced(stage)) : .lostLease)
        }
        logger.info("triaged", metadata: ["items": "\(items.count)", "asked": "\(unjudged.count)", "skipped": "\(skipped)"])
        return results
    }

    /// What triage reads of each item: its title, the first words of the feed's summary (else of
    /// its content) as plain text, and its source's name. Markup is read on the CPU pool.
    private func triageCandidates(_ items: [Item]) async throws(StageFailure) -> [TriageCandidate] {
        do {
            return try await pool.run {
                items.map { item in
                    let markup = (item.feedEntry.summary ?? item.feedEntry.contentHTML ?? "").prefix(Self.triageSummaryMarkupCharacters)
                    let summary = HTMLBlocks.blocks(fromFragment: String(markup), baseURL: nil).map(\.plainText).joined(separator: " ")
                    return TriageCandidate(id: item.id, title: item.feedEntry.title, summary: summary, sourceName: item.sourceName)
                }
            }
        } catch {
            throw StageFailure(stage: .collected, reason: "\(error)", isTransient: true)
        }
    }

    /// A failed triage call, for every item of the batch: like `deferIfProviderDown`, a transient
    /// failure counts once with the circuit breaker (it was one call) and costs the items nothing
    /// unless the provider was answering others meanwhile.
    private func recordTriageFailure(_ failure: StageFailure, of items: [Item], stepStartedAt: Date) async throws -> [StepResult] {
        logger.warning("triage failed", metadata: ["items": "\(items.map(\.id))", "reason": "\(failure.reason)"])
        var charged = true
        if failure.isTransient, let first = items.first {
            charged = Task.isCancelled ? false : try await circuit.recordTransientFailure(
                of: first, reason: failure.description, owner: owner, stepStartedAt: stepStartedAt, now: rules.now)
        } else {
            try await circuit.releaseProbe(owner: owner)
        }
        var results: [StepResult] = []
        for item in items {
            if !charged {
                let kept = try await store.deferItem(item.id, owner: owner, reason: failure.description,
                                                     retryAfter: settings.llmPause.firstPause, now: rules.now)
                results.append(kept ? .retryScheduled : .lostLease)
                continue
            }
            let decision = rules.decide(failure, earlierAttempts: item.attempts)
            let kept = try await store.recordFailure(item.id, owner: owner, reason: failure.description,
                                                     retryAfter: decision.retryAfter, now: rules.now)
            results.append(kept ? (decision == .fail ? .failed : .retryScheduled) : .lostLease)
        }
        return results
    }
}
