import Foundation
import KawarabanCore
import Logging
import Testing
import TestSupport
@testable import LLM
@testable import Newsroom

/// A long article is analysed from summaries of its sections, so that its end counts.
@Suite struct LongArticleTests {
    func client(port: Int) -> ChatClient { testClient(port: port) }

    /// `count` paragraphs of about 2,000 characters; the last one alone says the model was withdrawn.
    func longArticle(paragraphs count: Int) -> Article {
        let filler = String(repeating: "The lab describes its training setup and the evaluation in detail. ", count: 30)
        var blocks: [Block] = (0..<count - 1).map { .paragraph([.text("Part \($0). " + filler)]) }
        blocks.append(.paragraph([.text("In the end the lab withdrew the model after a safety review. " + filler)]))
        return Article(title: "A long report", blocks: blocks)
    }

    /// Summarises by content: a section that holds the withdrawal says so; any other says background.
    static func summarisingServer() -> (ScriptedLLMServer, TestHandler) {
        let server = ScriptedLLMServer()
        let handler: TestHandler = { request in
            guard request.bodyText.contains("\"section_summary\"") else { return await server.handler(request) }
            _ = await server.handler(request)
            let summary = request.bodyText.contains("withdrew the model") ? "最後に研究所はモデルを撤回した。" : "背景の説明。"
            return ScriptedLLMServer.completion("{\"summary\":\"\(summary)\"}")
        }
        return (server, handler)
    }

    @Test func theDecisiveFactOfTheLastSectionReachesTheAnalysisPrompt() async throws {
        let article = longArticle(paragraphs: 15)
        #expect(article.plainText.count > Analyst.maximumArticleCharacters)
        let (server, handler) = Self.summarisingServer()
        try await withTestHTTPServer(handler) { port in
            _ = try await Analyst(client: client(port: port), edition: .japanese)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/long")
            let sections = Analyst.sections(of: article).count
            #expect(sections == 3)
            #expect(server.requestCount(schema: "section_summary") == sections)
            #expect(server.requestCount(schema: "analysis") == 1)
            let final = try #require(server.received.last)
            #expect(!final.bodyText.contains("section_summary"))
            #expect(final.bodyText.contains("[section 3 of 3] 最後に研究所はモデルを撤回した。"))
            #expect(final.bodyText.contains("the last as much as the first"))
            #expect(!final.bodyText.contains("training setup"))
        }
    }

    @Test func aShortArticleMakesExactlyOneCall() async throws {
        let article = longArticle(paragraphs: 2)
        let (server, handler) = Self.summarisingServer()
        try await withTestHTTPServer(handler) { port in
            _ = try await Analyst(client: client(port: port), edition: .japanese)
                .analyse(article: article, sourceName: "Wire", url: "https://wire.example/short")
            #expect(server.received.count == 1)
            #expect(server.received[0].bodyText.contains("withdrew the model"))
        }
    }

    @Test func sectionsSplitBetweenBlocksStayUnderTheLimitAndKeepTheEnd() throws {
        let huge = longArticle(paragraphs: 100)
        let sections = Analyst.sections(of: huge)
        #expect(sections.count == Analyst.maximumSections)
        #expect(sections.allSatisfy { $0.count <= Analyst.maximumArticleCharacters })
        #expect(try #require(sections.last).contains("withdrew the model"))
        #expect(sections[0].hasPrefix("Part 0."))

        // One block larger than the limit is cut into pieces under it, nothing lost.
        let block = String(repeating: "x", count: Analyst.maximumArticleCharacters * 2 + 5)
        let cut = Analyst.sections(of: Article(title: "t", blocks: [.paragraph([.text(block)]), .paragraph([.text("tail")])]))
        #expect(cut.map(\.count) == [Analyst.maximumArticleCharacters, Analyst.maximumArticleCharacters, 10])
        #expect(cut.last == "xxxxx\ntail")
    }
}
