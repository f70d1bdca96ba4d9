import Foundation
import KawarabanCore
import Store
import Testing
@testable import Pipeline

/// The queue's decisions on their own: no database, no server, a fixed clock and fixed jitter.
@Suite struct WorkRulesTests {
    static let moment = Date(timeIntervalSince1970: 1_790_000_000)

    func rules(random: Double = 1) -> WorkRules {
        WorkRules(clock: { Self.moment }, random: { random })
    }

    @Test func itemsMoveOneStageAtATimeAndFinalStagesGoNowhere() throws {
        let rules = rules()
        var stage = Stage.discovered
        var path = [stage]
        while stage != .published {
            stage = try rules.stage(after: stage)
            path.append(stage)
        }
        #expect(path == [.discovered, .fetched, .extracted, .analysed, .translated, .published])
        for final in [Stage.published, .failed, .skipped] {
            #expect(throws: StageFailure.self) { try rules.stage(after: final) }
        }
    }

    @Test func withoutAnLLMWorkersStopAtExtracted() {
        #expect(rules().stages(llmConfigured: false) == [.discovered, .fetched, .translated])
        #expect(rules().stages(llmConfigured: true) == Stage.workable)
    }

    @Test func transientFailuresWaitLongerEachTimeAndThenFail() {
        let transient = StageFailure(stage: .extracted, reason: "HTTP 503", isTransient: true)
        let rules = rules()
        #expect(rules.decide(transient, earlierAttempts: 0) == .retry(after: WorkRules.retryBaseDelay))
        #expect(rules.decide(transient, earlierAttempts: 1) == .retry(after: 2 * WorkRules.retryBaseDelay))
        #expect(rules.decide(transient, earlierAttempts: WorkRules.maximumAttempts - 1) == .fail)
        let permanent = StageFailure(stage: .fetched, reason: "no readable text", isTransient: false)
        #expect(rules.decide(permanent, earlierAttempts: 0) == .fail)
    }

    @Test func retryDelaysAreJitteredAndCapped() {
        #expect(rules(random: 0).retryDelay(afterAttempt: 1) == WorkRules.retryBaseDelay * WorkRules.jitter.lowerBound)
        #expect(rules(random: 1).retryDelay(afterAttempt: 3) == 4 * WorkRules.retryBaseDelay)
        #expect(rules(random: 1).retryDelay(afterAttempt: 40) == WorkRules.maximumRetryDelay)
        #expect(rules(random: 1).retryDelay(afterAttempt: Int.max) == WorkRules.maximumRetryDelay)
        // A random source out of range cannot push a delay outside the jitter.
        #expect(rules(random: 7).retryDelay(afterAttempt: 1) == WorkRules.retryBaseDelay)
        #expect(rules(random: -1).retryDelay(afterAttempt: 1) == WorkRules.retryBaseDelay * WorkRules.jitter.lowerBound)
    }

    @Test func anItemIsGivenUpAfterThreeClaimsWithoutAWrite() {
        let limit = rules().claimLimit
        #expect(limit.claims == 3)
        #expect(limit.reason == "abandoned by 3 workers")
    }

    @Test func timeComesFromTheInjectedClock() {
        #expect(rules().now == Self.moment)
    }

    @Test func onlyCompleteUnmaskedItemsArePublishable() throws {
        let analysis = Analysis(
            title: "見出し", tldr: "要約", keyPoints: [KeyPoint(heading: "一", body: "本文")], impact: "影響",
            editorial: "論評", tags: ["AI"], scores: AxisScores(depth: 5, relevance: 5, practicality: 3, novelty: 2),
            analysedAt: Self.moment, model: "m")
        let translation = Translation(language: "ja", blocks: [.paragraph([.text("訳")])], translatedAt: Self.moment, model: "m")
        let entry = DiscoveredItem(sourceID: 1, guid: "g", url: "https://a.example/1", canonicalURL: "https://a.example/1",
                                   title: "Story")
        var item = Item(id: 1, feedEntry: entry, sourceName: "A", discoveredAt: Self.moment, stage: .translated,
                        analysis: analysis, translation: translation)
        try rules().checkPublishable(item)

        var masked = translation
        masked.blocks = [.paragraph([.text("訳 ⟦3⟧")])]
        item.translation = masked
        let leftover = #expect(throws: StageFailure.self) { try rules().checkPublishable(item) }
        #expect(leftover?.reason.contains("masking placeholder") == true)

        item.translation = nil
        let missing = #expect(throws: StageFailure.self) { try rules().checkPublishable(item) }
        #expect(missing?.reason == "analysis or translation is missing")
    }
}
