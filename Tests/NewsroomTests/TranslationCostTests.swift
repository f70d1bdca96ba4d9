import Foundation
import KawarabanCore
import Logging
import Synchronization
import Testing
import TestSupport
@testable import LLM
@testable import Newsroom

/// What a translation costs: a translated segment is never paid for twice, and long articles are
/// translated only up to the cap.
@Suite struct TranslationCostTests {
    /// A ledger kept in memory: what the translation memory holds between calls. (The one over
    /// the store is tested with the pipeline.)
    final class MemoryLedger: CallLedger {
        private let answers = Mutex<[AnswerKey: String]>([:])

        func record(_ call: CallRecord) async {}
        func budgetExhausted(at now: Date) async -> Date? { nil }
        func cachedAnswer(for key: AnswerKey) async -> String? { answers.withLock { $0[key] } }
        func storeAnswer(_ content: String, for key: AnswerKey) async { answers.withLock { $0[key] = content } }
    }

    /// One attempt per call, so that a scripted failure reaches the translator.
    func client(port: Int, ledger: MemoryLedger = MemoryLedger()) -> ChatClient {
        ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m",
                                                   maximumAttempts: 1, retryBaseDelay: .milliseconds(1)),
                   logger: Logger(label: "newsroom-tests", factory: { _ in SwiftLogNoOpLogHandler() }), ledger: ledger)
    }

    /// Paragraphs of `characters` English letters each, so that each fills most of a batch.
    static func paragraphs(_ count: Int, characters: Int) -> [Block] {
        (0..<count).map { index in
            .paragraph([.text(String(repeating: "Paragraph \(index) word ", count: characters / 18).prefix(characters).description)])
        }
    }

    /// The segment ids a translation request asked for.
    static func segmentIDs(_ request: TestRequest) -> [String] {
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              let messages = body["messages"] as? [[String: Any]],
              let user = messages.first(where: { $0["role"] as? String == "user" })?["content"] as? String,
              let payload = try? JSONSerialization.jsonObject(with: Data(user.utf8)) as? [String: Any],
              let segments = payload["segments"] as? [[String: Any]]
        else { return [] }
        return segments.compactMap { $0["id"] as? String }
    }

    /// Answers sensibly, except that the first request for `failing` gets a 500.
    final class FailOnce: Sendable {
        let failing: String
        private let failed = Mutex(false)
        private let log = Mutex<[[String]]>([])

        init(failing: String) { self.failing = failing }

        var requests: [[String]] { log.withLock { $0 } }

        var handler: TestHandler {
            { request in
                let ids = TranslationCostTests.segmentIDs(request)
                self.log.withLock { $0.append(ids) }
                let fail = ids.contains(self.failing) && self.failed.withLock { done in
                    defer { done = true }
                    return !done
                }
                return fail ? ScriptedLLMServer.failure(status: 500) : ScriptedLLMServer.sensibleAnswer(to: request)
            }
        }
    }

    @Test func aRetryAfterAFailedBatchSendsOnlyTheUnfinishedBatches() async throws {
        let blocks = Self.paragraphs(3, characters: 3_000)
        #expect(Translator.batches(Translator.segments(of: blocks)).count == 3)
        let server = FailOnce(failing: "1")
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port), edition: .japanese)
            await #expect(throws: NewsroomError.self) {
                try await translator.translate(blocks)
            }
            #expect(server.requests == [["0"], ["1"]])

            let translation = try await translator.translate(blocks)
            #expect(server.requests == [["0"], ["1"], ["1"], ["2"]])
            #expect(translation.blocks.count == 3)
            #expect(translation.blocks.allSatisfy { $0.plainText.hasPrefix("「訳」") })
        }
    }

    @Test func aChangedArticleSendsOnlyTheBlocksThatChanged() async throws {
        let before = Self.paragraphs(3, characters: 1_000)
        let after = [before[0], .paragraph([.text("A corrected second paragraph.")]), before[2]]
        let server = FailOnce(failing: "never")
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port), edition: .japanese)
            _ = try await translator.translate(before)
            #expect(server.requests == [["0", "1", "2"]])
            let translation = try await translator.translate(after)
            #expect(server.requests == [["0", "1", "2"], ["1"]])
            #expect(translation.blocks.allSatisfy { $0.plainText.hasPrefix("「訳」") })
        }
    }

    @Test func rememberedSegmentsKeepTheArticlesOwnPlaceholderTargets() async throws {
        @Sendable func article(linkingTo href: String) -> [Block] {
            [.paragraph([.text("Read "), .link(href: href, [.text("the paper")]), .text(" today.")])]
        }
        let server = ScriptedLLMServer.sensible()
        let ledger = MemoryLedger()
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port, ledger: ledger), edition: .japanese)
            _ = try await translator.translate(article(linkingTo: "https://lab.example/old"))
            #expect(server.received.count == 1)
            // The same masked text: remembered, but the link target is the article's, not the old one.
            let reused = try await translator.translate(article(linkingTo: "https://lab.example/new"))
            #expect(server.received.count == 1)
            guard case .paragraph(let inlines) = try #require(reused.blocks.first) else { Issue.record("not a paragraph"); return }
            #expect(inlines.contains(.link(href: "https://lab.example/new", [.text("訳 訳")])))
            // Another model is another memory.
            let otherModel = ChatClient(
                configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "other",
                                                maximumAttempts: 1),
                logger: Logger(label: "newsroom-tests", factory: { _ in SwiftLogNoOpLogHandler() }), ledger: ledger)
            _ = try await Translator(client: otherModel, edition: .japanese).translate(article(linkingTo: "https://lab.example/new"))
            #expect(server.received.count == 2)
        }
    }

    @Test func aLongArticleIsTranslatedUpToTheCapAndNoFurther() async throws {
        let blocks = Self.paragraphs(2, characters: 2_000) + [.code(language: nil, text: "x = 1")]
            + Self.paragraphs(3, characters: 2_000)
        let server = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port), edition: .japanese, maximumCharacters: 5_000)
            let translation = try await translator.translate(blocks)
            // 2,000 + 2,000 + the free code block fit; the next 2,000 would pass 5,000.
            #expect(translation.blocks.count == 3)
            #expect(translation.blocks[2] == blocks[2])
            let asked = server.received.flatMap(Self.segmentIDs)
            #expect(asked == ["0", "1"])
        }
    }

    @Test func anArticleWhoseFirstBlockPassesTheCapCostsNothing() async throws {
        let server = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(server.handler) { port in
            let translation = try await Translator(client: client(port: port), edition: .japanese, maximumCharacters: 1_000)
                .translate(Self.paragraphs(1, characters: 5_000))
            #expect(translation.blocks.isEmpty)
            #expect(server.received.isEmpty)
        }
    }
}
