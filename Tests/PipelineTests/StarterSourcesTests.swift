import Fetching
import Foundation
import KawarabanCore
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// `sources add --starter`: the shipped list, and adding a list against a real local server.
@Suite struct StarterSourcesTests {
    @Test func theShippedListReadsAndHasEnglishAndJapaneseFeeds() throws {
        let list = try StarterSource.shipped()
        #expect(list.count >= 12)
        #expect(Set(list.map(\.language)) == ["en", "ja"])
        #expect(Set(list.map(\.url)).count == list.count)
        #expect(list.allSatisfy { $0.url.hasPrefix("https://") })
        #expect(list.contains { $0.name == "ITmedia AI+" && $0.language == "ja" && $0.topic == .ai })
    }

    @Test(arguments: [
        "en\tai\tName", "en\tai\tName\thttps://a.example/feed\textra", "en\tnews\tName\thttps://a.example/feed",
        "en\tai\tName\tftp://a.example/feed", "\tai\tName\thttps://a.example/feed", "en\tai\t\thttps://a.example/feed",
    ])
    func aMalformedLineStopsTheListWithItsNumber(line: String) throws {
        #expect {
            try StarterSource.parseList("# comment\n\nen\t-\tGood\thttps://good.example/feed\n\(line)\n")
        } throws: { error in
            (error as? StarterListError)?.line == 4
        }
    }

    @Test func eachFeedIsCheckedAndReportedAndAFailureDoesNotStopTheRest() async throws {
        let feed = SourceCatalogTests.feed
        let routes = FixtureRoutes([
            "/good.xml": .text(feed, contentType: "application/rss+xml"),
            "/present.xml": .text(feed, contentType: "application/rss+xml"),
            "/page": .text("<html><head><title>x</title></head><body>no feed</body></html>", contentType: "text/html"),
            "/japanese.xml": .text(feed, contentType: "application/rss+xml"),
        ])
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                let server = "http://127.0.0.1:\(port)"
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                let catalog = SourceCatalog(store: store, fetcher: fetcher, pool: testPool)
                _ = try await store.addSource(url: "\(server)/present.xml", name: "Present", kind: .feed)
                let list = try StarterSource.parseList("""
                    en\tai\tGood\t\(server)/good.xml
                    en\t-\tPresent\t\(server)/present.xml
                    en\tai\tMissing\t\(server)/missing.xml
                    en\tai\tA page\t\(server)/page
                    ja\tai\t日本語のAIニュース\t\(server)/japanese.xml
                    """)
                let outcomes = try await catalog.addStarter(list)
                #expect(outcomes.map(\.feed.name) == ["Good", "Present", "Missing", "A page", "日本語のAIニュース"])
                guard case .added(let good) = outcomes[0].outcome else { Issue.record("Good not added"); return }
                #expect(good.name == "Good")
                #expect(good.topic == .ai)
                guard case .alreadyPresent = outcomes[1].outcome else { Issue.record("Present not reported"); return }
                guard case .failed(let missing) = outcomes[2].outcome else { Issue.record("Missing not failed"); return }
                #expect(missing.contains("404"))
                guard case .failed(let page) = outcomes[3].outcome else { Issue.record("A page not failed"); return }
                #expect(page.contains("announces no feed"))
                guard case .added(let japanese) = outcomes[4].outcome else { Issue.record("Japanese not added"); return }
                #expect(japanese.name == "日本語のAIニュース")
                #expect(try await store.sources().count == 3)

                // A second run adds nothing and fetches nothing it already has.
                let before = routes.received.count
                let again = try await catalog.addStarter(list)
                #expect(again.filter { if case .alreadyPresent = $0.outcome { true } else { false } }.count == 3)
                #expect(routes.received.count == before + 2)
            }
        }
    }
}

/// The operator's page settings name Markdown files, read at start.
@Suite struct OperatorPageSettingsTests {
    @Test func pageFilesAreReadAndBadOnesAreEachReported() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let about = directory.appendingPathComponent("about.md")
        try Data("# について\n本文".utf8).write(to: about)
        let empty = directory.appendingPathComponent("empty.md")
        try Data(" \n".utf8).write(to: empty)

        let settings = try Settings.load(environment: ["KAWARABAN_PAGE_ABOUT": about.path])
        #expect(settings.operatorPages == OperatorPages(about: "# について\n本文"))
        #expect(try Settings.load(environment: [:]).operatorPages == OperatorPages())

        #expect {
            try Settings.load(environment: ["KAWARABAN_PAGE_CONTACT": directory.appendingPathComponent("none.md").path,
                                            "KAWARABAN_PAGE_LEGAL": empty.path])
        } throws: { error in
            guard let problems = (error as? SettingsError)?.problems else { return false }
            return problems.count == 2 && problems[0].hasPrefix("KAWARABAN_PAGE_CONTACT=") && problems[0].contains("cannot read")
                && problems[1].hasPrefix("KAWARABAN_PAGE_LEGAL=") && problems[1].contains("empty")
        }
    }
}
