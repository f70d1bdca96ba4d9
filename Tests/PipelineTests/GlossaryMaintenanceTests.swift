import Foundation
import KawarabanCore
import Newsroom
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// What migrating and the operator do to the glossary, on a real store: the seed is written once
/// and never over an operator's entry, an import is all or nothing, and `apply` rewrites exactly
/// the stored texts that use a rendering since changed.
@Suite struct GlossaryMaintenanceTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: Backend.available)
    func theSeedIsWrittenOnceAndNeverOverAnOperatorsEntry(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            let glossary = GlossaryMaintenance(store: store, now: { now })
            let seedCount = try GlossaryFile.seed(languageCode: "ja").count
            #expect(try await glossary.set(original: "Sam Altman", rendering: "アルトマン氏", kind: .person))
            #expect(try await glossary.seed(languageCode: "ja") == seedCount - 1)
            #expect(try await glossary.seed(languageCode: "ja") == 0, "a second migration writes nothing")
            let entries = try await glossary.entries(kind: .person)
            #expect(entries.first { $0.original == "Sam Altman" }?.rendering == "アルトマン氏")
            #expect(entries.first { $0.original == "Demis Hassabis" }?.rendering == "デミス・ハサビス")
        }
    }

    @Test func anImportWithOneBadLineWritesNothing() async throws {
        try await withTestStore { (store: Store) async throws -> Void in
            let glossary = GlossaryMaintenance(store: store, now: { now })
            await #expect(throws: GlossaryError.self) {
                try await glossary.importEntries(from: "Kenji Walton\tケンジ・ウォルトン\tperson\nBroken line\n")
            }
            #expect(try await glossary.entries().isEmpty)
            #expect(try await glossary.importEntries(from: "# names\nKenji Walton\tケンジ・ウォルトン\tperson\n") == 1)
            #expect(try await glossary.export() == "Kenji Walton\tケンジ・ウォルトン\tperson\n")
            await #expect(throws: GlossaryError.self) { try await glossary.set(original: "Evil\u{202E}Name", rendering: "x", kind: nil) }
        }
    }

    @Test func applyRewritesOnlyTheTextsThatUseAnEarlierRendering() async throws {
        try await withTestStore { (store: Store) async throws -> Void in
            let glossary = GlossaryMaintenance(store: store, now: { now })
            _ = try await glossary.set(original: "Kenji Walton", rendering: "ケンジ・ウォルトン", kind: .person)
            let source = try await store.addSource(url: "https://a.example/feed", name: "A", kind: .feed).id
            let analysis = { (title: String) in
                Analysis(title: title, tldr: "要約", keyPoints: [], impact: "影響", editorial: "論評", tags: ["AI"],
                         entities: [Entity(name: "Kenji Walton", kind: .person, rendering: "ケンジ・ウォルトン", main: true)],
                         scores: AxisScores(depth: 3, relevance: 3, practicality: 3, novelty: 3), analysedAt: now, model: "m")
            }
            let translation = Translation(language: "ja", blocks: [
                .paragraph([.text("ケンジ・ウォルトンは語った。"), .code("ケンジ・ウォルトン")]),
                .figure(src: "https://a.example/ケンジ・ウォルトン.png", alt: "ケンジ・ウォルトンの写真", caption: []),
            ], translatedAt: now, model: "m")
            for (number, title) in ["ケンジ・ウォルトン氏が講演", "別の話題"].enumerated() {
                let url = "https://news.example/\(number)"
                _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                                     title: "T", author: nil, publishedAt: nil)], now: now)
                try await store.database.raw("""
                    UPDATE items SET analysis_json = \(bind: try Store.json(analysis(title))),
                        translation_json = \(bind: number == 0 ? try Store.json(translation) : nil)
                    WHERE canonical_url = \(bind: url)
                    """).run()
            }
            #expect(try await glossary.apply() == 0, "nothing has changed yet")

            _ = try await glossary.set(original: "Kenji Walton", rendering: "ケンジ・ウォールトン", kind: nil)
            #expect(try await glossary.apply() == 2)
            let rewritten = try await store.editorialTexts(after: 0, limit: 10)
            #expect(rewritten.map { $0.analysis?.title } == ["ケンジ・ウォールトン氏が講演", "別の話題"])
            #expect(rewritten.map { $0.analysis?.entities.first?.rendering } == ["ケンジ・ウォールトン", "ケンジ・ウォールトン"])
            #expect(rewritten[0].translation?.blocks == [
                .paragraph([.text("ケンジ・ウォールトンは語った。"), .code("ケンジ・ウォルトン")]),
                .figure(src: "https://a.example/ケンジ・ウォルトン.png", alt: "ケンジ・ウォールトンの写真", caption: []),
            ])
            #expect(rewritten[1].translation == nil)
            #expect(try await glossary.apply() == 0)
        }
    }
}
