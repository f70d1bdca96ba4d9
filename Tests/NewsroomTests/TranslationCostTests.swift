import Foundation
import KawarabanCore
import Logging
import Synchronization
import Testing
import TestSupport
@testable import LLM
@testable import Newsroom

/// What a translation costs: finished batches are never paid for twice, and long articles are
/// translated only up to the cap.
@Suite struct TranslationCostTests {
    /// One attempt per call, so that a scripted failure reaches the translator.
    func client(port: Int) -> ChatClient {
        ChatClient(configuration: LLMConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m",
                                                   maximumAttempts: 1, retryBaseDelay: .milliseconds(1)),
                   logger: Logger(label: "newsroom-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
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

    final class ProgressLog: Sendable {
        private let storage = Mutex<[TranslationProgress]>([])
        var reports: [TranslationProgress] { storage.withLock { $0 } }
        func record(_ progress: TranslationProgress) { storage.withLock { $0.append(progress) } }
    }

    @Test func aRetryAfterAFailedBatchSendsOnlyTheUnfinishedBatches() async throws {
        let blocks = Self.paragraphs(3, characters: 3_000)
        #expect(Translator.batches(Translator.segments(of: blocks)).count == 3)
        let server = FailOnce(failing: "1")
        let progress = ProgressLog()
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port), edition: .japanese)
            await #expect(throws: NewsroomError.self) {
                try await translator.translate(blocks) { progress.record($0) }
            }
            #expect(server.requests == [["0"], ["1"]])
            let kept = try #require(progress.reports.last)
            #expect(Set(kept.pieces.keys) == ["0"])

            let translation = try await translator.translate(blocks, resumingFrom: kept) { progress.record($0) }
            #expect(server.requests == [["0"], ["1"], ["1"], ["2"]])
            #expect(translation.blocks.count == 3)
            #expect(translation.blocks.allSatisfy { $0.plainText.hasPrefix("「訳」") })
            #expect(Set(try #require(progress.reports.last).pieces.keys) == ["0", "1", "2"])
        }
    }

    @Test func progressIsReusedOnlyForTheSameSourceAndItsOwnPlaceholders() async throws {
        let blocks: [Block] = [.paragraph([.text("Read "), .link(href: "https://lab.example/new", [.text("the paper")]), .text(" today.")])]
        let masked = try #require(Translator.segments(of: blocks).first).masked
        // Made for other text: not reused.
        let stale = TranslationProgress(pieces: ["0": .init(source: "Other text", text: "別の訳")])
        // Made for this text; the link target comes from the article, not from the stored piece.
        let current = TranslationProgress(pieces: ["0": .init(source: masked.text, text: "今日⟦1⟧論文⟦/1⟧を読む。")])
        let server = ScriptedLLMServer.sensible()
        try await withTestHTTPServer(server.handler) { port in
            let translator = Translator(client: client(port: port), edition: .japanese)
            _ = try await translator.translate(blocks, resumingFrom: stale)
            #expect(server.received.count == 1)
            let reused = try await translator.translate(blocks, resumingFrom: current)
            #expect(server.received.count == 1)
            #expect(reused.blocks == [.paragraph([.text("今日"), .link(href: "https://lab.example/new", [.text("論文")]), .text("を読む。")])])
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
