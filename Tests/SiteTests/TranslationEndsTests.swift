import Foundation
import KawarabanCore
import Testing
@testable import Site

/// An article longer than the translation cap is translated from its start; the page must say
/// where the translation stops and where the rest can be read.
@Suite struct TranslationEndsTests {
    func renderer() async throws -> SiteRenderer {
        try await SiteRenderer(configuration: SiteConfiguration(publicURL: URL(string: "https://news.example.jp/")!))
    }

    @Test func aTranslationThatStopsEarlySaysSoAfterItsLastBlockAndLinksTheOriginal() async throws {
        let cut = SampleItems.published(body: [.paragraph([.text("OpenAIが取り組んでいた頃…")])])
        let html = try #require(try await renderer().articlePage(cut))
        let translated = try #require(html.range(of: "OpenAIが取り組んでいた頃…"))
        let note = try #require(html.range(of: "翻訳はここまでです", range: translated.upperBound..<html.endIndex))
        let link = try #require(html.range(of: "<a href=\"https://news.example/story-7\"", range: note.upperBound..<html.endIndex))
        #expect(html[link.upperBound...].hasPrefix(" rel=\"noopener noreferrer nofollow\">元記事</a>"))
    }

    @Test func aCompleteTranslationHasNoSuchNote() async throws {
        let html = try #require(try await renderer().articlePage(SampleItems.published()))
        #expect(!html.contains("翻訳はここまで"))
    }
}
