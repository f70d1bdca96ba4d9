import Foundation
import KawarabanCore
import Testing
@testable import Extraction

/// Pages built to hurt: each must end with a clear result, in bounded time and memory, without
/// a crash. The large inputs are generated here rather than committed.
@Suite struct HostilePageTests {
    static let paragraph = "<p>The council approved the new budget on Tuesday, after a long debate about school funding, "
        + "road repairs and the cost of running the city's libraries through the winter.</p>"
    @Test func fiftyMegabytesAreRefusedAtOnce() {
        let chunk = Data(Self.paragraph.utf8)
        var html = Data("<html><body>".utf8)
        html.reserveCapacity(50 * 1024 * 1024 + chunk.count)
        while html.count < 50 * 1024 * 1024 { html.append(chunk) }
        #expect(throws: ExtractionError.tooLarge(bytes: html.count, limit: HTMLDocument.maximumInputBytes)) {
            try ArticleExtractor.extract(html: html, pageURL: nil)
        }
    }

    @Test func aPageJustUnderTheSizeLimitIsReadWhole() throws {
        let article = "<html><head><title>Budget</title></head><body><article>" + Self.paragraph + "</article>"
        let filler = "<div class=\"promo\"><a href=\"/x\">Read more</a></div>"
        var html = article
        let target = HTMLDocument.maximumInputBytes / 4
        html.reserveCapacity(target + filler.count)
        while html.utf8.count < target { html += filler }
        html += "</body></html>"
        let result = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil, minimumCharacters: 0)
        #expect(result.readableText.hasPrefix("The council approved the new budget"))
    }

    /// Without a limit, a 15 MiB page of prose became a 47 MB JSON article.
    @Test func anArticleLongerThanTheLimitIsCutWithAMarker() throws {
        let paragraphs = 2 * BlockBuilder.maximumArticleBytes / Self.paragraph.utf8.count
        let html = "<html><body><article>" + String(repeating: Self.paragraph, count: paragraphs) + "</article></body></html>"
        let article = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil)
        let last = try #require(article.blocks.last)
        #expect(last == BlockBuilder.cutMarker)
        let kept = article.blocks.dropLast().reduce(0) { $0 + $1.plainText.utf8.count }
        #expect(kept >= BlockBuilder.maximumArticleBytes)
        #expect(kept < BlockBuilder.maximumArticleBytes + Self.paragraph.utf8.count)
    }

    @Test func anArticleAtTheLimitHasNoMarker() throws {
        let html = "<html><body><article>" + String(repeating: Self.paragraph, count: 30) + "</article></body></html>"
        let article = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil)
        #expect(article.blocks.count == 30)
        #expect(!article.blocks.contains(BlockBuilder.cutMarker))
    }

    @Test func nestingAHundredThousandDeepIsFlattenedAndStillRead() throws {
        let depth = 100_000
        let html = "<html><body>" + String(repeating: "<div>", count: depth) + String(repeating: Self.paragraph, count: 3)
            + String(repeating: "</div>", count: depth) + "</body></html>"
        let article = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil)
        #expect(article.blocks.count == 3)
        #expect(article.readableText.hasPrefix("The council approved"))
    }

    @Test func deepTreesNeverExceedTheDepthLimit() throws {
        let html = "<html><body>" + String(repeating: "<span><div>", count: 5_000) + "text" + "</body></html>"
        let document = try #require(HTMLDocument(Data(html.utf8), encoding: TextDecoding.utf8))
        var deepest = 0
        for index in 1..<document.count {
            var depth = 0
            var cursor = document.parent(index)
            while let ancestor = cursor {
                depth += 1
                cursor = document.parent(ancestor)
            }
            deepest = max(deepest, depth)
        }
        #expect(deepest <= HTMLDocument.maximumDepth)
        #expect(document.textContent(document.root) == "text")
    }

    @Test func endlessElementsStopAtTheNodeLimit() throws {
        let html = "<html><body><article>" + String(repeating: Self.paragraph, count: 20)
            + String(repeating: "<i></i>", count: HTMLDocument.maximumNodes) + "</article></body></html>"
        let document = try #require(HTMLDocument(Data(html.utf8), encoding: TextDecoding.utf8))
        #expect(document.truncated)
        #expect(document.count <= HTMLDocument.maximumNodes)
        let article = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil)
        #expect(article.blocks.count == 20)
    }

    /// JSONDecoder refuses documents nested more than 512 deep; every mark is three levels.
    @Test func marksNestedPastTheLimitKeepTheirTextAndTheArticleReadsBack() throws {
        let depth = 200
        let opening = (0..<depth).map { $0 % 2 == 0 ? "<b>" : "<i>" }.joined()
        let closing = (0..<depth).reversed().map { $0 % 2 == 0 ? "</b>" : "</i>" }.joined()
        let html = "<html><body><article>" + Self.paragraph + "<p>" + opening + "deeply marked words" + closing + "</p>"
            + Self.paragraph + "</article></body></html>"
        let article = try ArticleExtractor.extract(html: Data(html.utf8), pageURL: nil)
        #expect(article.readableText.contains("deeply marked words"))
        #expect(article.blocks.map(Self.markDepth).max() == BlockBuilder.maximumInlineNesting)
        let decoded = try JSONDecoder().decode(Article.self, from: JSONEncoder().encode(article))
        #expect(decoded == article)
    }

    static func markDepth(_ block: Block) -> Int {
        guard case .paragraph(let inlines) = block else { return 0 }
        return markDepth(inlines)
    }

    static func markDepth(_ inlines: [Inline]) -> Int {
        inlines.map { inline -> Int in
            switch inline {
            case .emphasis(let children), .strong(let children), .link(_, let children): return 1 + markDepth(children)
            default: return 0
            }
        }.max() ?? 0
    }

    @Test func binaryGarbageIsNotText() {
        var generator = SplitMix(seed: 7919)
        let garbage = Data((0..<200_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        #expect(throws: ExtractionError.notText) { try ArticleExtractor.extract(html: garbage, pageURL: nil) }
    }

    @Test func printableGarbageEndsWithoutAnArticle() {
        var generator = SplitMix(seed: 42)
        let markup = Array("<>/=\"' abcdefgh&;#!-\n".utf8)
        let garbage = Data((0..<200_000).map { _ in markup[Int(generator.next() % UInt64(markup.count))] })
        #expect(throws: ExtractionError.notProse) { try ArticleExtractor.extract(html: garbage, pageURL: nil) }
    }

    @Test(arguments: ["euc-jp-undeclared.html", "shift-jis-undeclared.html"])
    func japaneseLegacyCharsetsWithoutADeclarationAreRecognised(_ fixture: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Resources/\(fixture)", withExtension: nil))
        let article = try ArticleExtractor.extract(html: try Data(contentsOf: url), pageURL: nil)
        #expect(article.title == "地方の図書館、生成AIで古文書を読み解く")
        #expect(article.blocks.first == .paragraph([.text("ある地方の図書館は、所蔵する江戸時代の古文書を生成AIで読み解く取り組みを始めた。くずし字で書かれた文書を現代の文字に直し、要約を添えて公開する。")]))
        #expect(article.blocks.count == 4)
        #expect(!article.readableText.contains("ホーム"))
    }

    @Test func emptyInputsEndWithAClearError() {
        #expect(throws: ExtractionError.emptyDocument) { try ArticleExtractor.extract(html: Data(), pageURL: nil) }
        #expect(throws: ExtractionError.tooLittleText(characters: 0)) {
            try ArticleExtractor.extract(html: "<html><head><title>Nothing</title></head><body></body></html>", pageURL: nil)
        }
        #expect(throws: ExtractionError.tooLittleText(characters: 0)) {
            try ArticleExtractor.extract(html: nil, pageURL: nil, feedContentHTML: nil, feedTitle: "t")
        }
    }
}

/// A small deterministic generator, so that the garbage is the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
