import Fetching
import Foundation
import KawarabanCore
import Logging
import Synchronization
import Testing
import TestSupport
@testable import Feeds
@testable import Pipeline
@testable import Store

/// Hacker News through a real local server that answers like its API, into a real SQLite store.
@Suite struct HackerNewsTests {
    static let logger = Logger(label: "hacker-news-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static let linkStory = """
        {"by":"dhouston","descendants":71,"id":8863,"kids":[9224,8917],"score":111,"time":1175714200,
         "title":"My YC app: Dropbox - Throw away your USB drive","type":"story",
         "url":"http://www.getdropbox.com/u/2/screencast.html"}
        """
    static let askStory = """
        {"by":"tel","descendants":16,"id":121003,"kids":[121016],"score":25,"time":1203647620,
         "text":"<i>or</i> HN: the Next Iteration<p>I get the impression that with Arc being released a lot of people...",
         "title":"Ask HN: The Arc Effect","type":"story"}
        """
    static let job = """
        {"by":"justin","id":192327,"score":6,"text":"Justin.tv is the biggest live video site online.","time":1210981217,
         "title":"Justin.tv is looking for a Lead Flash Engineer!","type":"job","url":""}
        """

    @Test func aLinkStoryKeepsItsURLScoreAndThread() throws {
        let entry = try #require(try HackerNews.entry(from: Data(Self.linkStory.utf8), id: 8863))
        #expect(entry.id == "https://news.ycombinator.com/item?id=8863")
        #expect(entry.title == "My YC app: Dropbox - Throw away your USB drive")
        #expect(entry.link == "http://www.getdropbox.com/u/2/screencast.html")
        #expect(entry.commentsURL == "https://news.ycombinator.com/item?id=8863")
        #expect(entry.score == 111)
        #expect(entry.commentCount == 71)
        #expect(entry.author == "dhouston")
        #expect(entry.published == Date(timeIntervalSince1970: 1_175_714_200))
        // The linked page is the story; its text comes from there, not from Hacker News.
        #expect(entry.contentHTML == nil)
    }

    @Test func anAskHNPostIsItsOwnThreadWithTheTextAsContent() throws {
        let entry = try #require(try HackerNews.entry(from: Data(Self.askStory.utf8), id: 121003))
        #expect(entry.link == "https://news.ycombinator.com/item?id=121003")
        #expect(entry.commentsURL == entry.link)
        #expect(entry.contentHTML?.hasPrefix("<i>or</i> HN: the Next Iteration<p>") == true)
        #expect(entry.score == 25)
        #expect(entry.commentCount == 16)
    }

    @Test func jobsAndDeletedOrDeadItemsAreLeftOut() throws {
        #expect(try HackerNews.entry(from: Data(Self.job.utf8), id: 192327) == nil)
        let deleted = #"{"id":5,"deleted":true,"type":"story","time":1}"#
        #expect(try HackerNews.entry(from: Data(deleted.utf8), id: 5) == nil)
        let dead = #"{"id":6,"dead":true,"type":"story","title":"Spam","url":"https://spam.example/"}"#
        #expect(try HackerNews.entry(from: Data(dead.utf8), id: 6) == nil)
    }

    @Test func brokenItemsAreTypedErrorsNamingTheItem() {
        let cases: [(String, String)] = [
            ("null", "the API has no such item"),
            ("{\"id\":7,", ""),
            (#"{"id":8,"type":"story","title":"Wrong item"}"#, "the document describes item 8"),
            (#"{"id":7,"type":"story"}"#, "the story has no title"),
            (#"{"id":7,"type":"story","title":"Script","url":"javascript:alert(1)"}"#, "is not an http(s) URL"),
            (#"{"id":"seven","type":"story"}"#, "id"),
        ]
        for (document, fragment) in cases {
            #expect {
                _ = try HackerNews.entry(from: Data(document.utf8), id: 7)
            } throws: { error in
                guard case .malformedItem(7, let reason) = error as? HackerNewsError else { return false }
                return fragment.isEmpty || reason.contains(fragment)
            }
        }
    }

    @Test func theTopListMustBeAnArrayOfIDs() throws {
        #expect(try HackerNews.topStoryIDs(Data("[3, 1, 2]".utf8)) == [3, 1, 2])
        #expect(throws: HackerNewsError.self) { try HackerNews.topStoryIDs(Data("{\"error\":\"Permission denied\"}".utf8)) }
        #expect(throws: HackerNewsError.self) { try HackerNews.topStoryIDs(Data("<html>".utf8)) }
    }

    @Test func theAPIBaseMayOmitItsTrailingSlash() {
        #expect(HackerNews.topStoriesURL(base: "http://127.0.0.1:9/v0") == "http://127.0.0.1:9/v0/topstories.json")
        #expect(HackerNews.itemURL(base: "http://127.0.0.1:9/v0/", id: 42) == "http://127.0.0.1:9/v0/item/42.json")
        #expect(HackerNews.topStoriesURL(base: HackerNews.officialAPIBase)
                == "https://hacker-news.firebaseio.com/v0/topstories.json")
    }

    /// A story document in the API's shape, linking to the local server.
    static func story(_ id: Int, port: Int) -> TestResponse {
        .text(#"{"by":"user\#(id)","descendants":\#(id % 7),"id":\#(id),"score":\#(id * 10),"time":1778300000,"#
              + #""title":"Story \#(id)","type":"story","url":"http://127.0.0.1:\#(port)/story/\#(id)"}"#,
              contentType: "application/json; charset=utf-8")
    }

    @Test func collectingStoresTheTopStoriesInOrderAndSkipsBrokenItems() async throws {
        let routes = FixtureRoutes()
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                routes.set("/v0/topstories.json", .text("[101, 102, 103, 104, 105, 106, 107]", contentType: "application/json"))
                routes.set("/v0/item/101.json", Self.story(101, port: port))
                routes.set("/v0/item/102.json", .text("{\"id\":102,\"type\":\"sto", contentType: "application/json"))
                // 103 is missing: the server answers 404.
                routes.set("/v0/item/104.json", .text(Self.askStory.replacingOccurrences(of: "121003", with: "104")))
                routes.set("/v0/item/105.json", .text(Self.job.replacingOccurrences(of: "192327", with: "105")))
                routes.set("/v0/item/106.json", Self.story(106, port: port))
                routes.set("/v0/item/107.json", Self.story(107, port: port))
                let policy = FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)])
                let hackerNews = HackerNews(storyCount: 6, itemConcurrency: 3, minimumScore: 0, minimumComments: 0)
                let collector = Collector(store: store, fetcher: Fetcher(policy: policy), pool: testPool, hackerNews: hackerNews, logger: Self.logger)
                let source = try await store.addSource(url: "http://127.0.0.1:\(port)/v0", name: "Hacker News", kind: .hackerNews)
                let outcome = try await collector.collect(source)

                #expect(outcome.health.lastError == nil)
                #expect(outcome.health.lastStatus == 200)
                // 101, 104 and 106; 102 is cut short, 103 missing, 105 a job, 107 beyond the count.
                #expect(outcome.health.itemsFound == 3)
                #expect(outcome.health.newItems == 3)
                let requested = Set(routes.received.map(\.path))
                #expect(!requested.contains("/v0/item/107.json"))
                #expect(requested.isSuperset(of: (101...106).map { "/v0/item/\($0).json" }))

                var stored: [Item] = []
                for id in Int64(1)...3 { stored.append(try #require(try await store.item(id: id))) }
                #expect(stored.map(\.feedEntry.url) == ["http://127.0.0.1:\(port)/story/101",
                                                        "https://news.ycombinator.com/item?id=104",
                                                        "http://127.0.0.1:\(port)/story/106"])
                #expect(stored.map(\.feedEntry.guid) == [101, 104, 106].map { "https://news.ycombinator.com/item?id=\($0)" })
                #expect(stored[1].feedEntry.contentHTML?.contains("the Next Iteration") == true)
                #expect(stored.allSatisfy { $0.sourceName == "Hacker News" && $0.stage == .discovered })

                // The same top list again: nothing new.
                let again = try await Collector(store: store, fetcher: Fetcher(policy: policy), pool: testPool, hackerNews: hackerNews,
                                                logger: Self.logger).collect(source)
                #expect(again.health.itemsFound == 3)
                #expect(again.health.newItems == 0)
            }
        }
    }

    @Test func storiesUnderTheScoreOrCommentBarAreNeverStored() async throws {
        let routes = FixtureRoutes()
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                routes.set("/v0/topstories.json", .text("[101, 102, 103, 105]", contentType: "application/json"))
                // Scores are ten times the id, comments the id modulo 7: 101 has 1010 and 3, 105 has 1050 and 0.
                for id in [101, 102, 103, 105] { routes.set("/v0/item/\(id).json", Self.story(id, port: port)) }
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                let hackerNews = HackerNews(storyCount: 4, minimumScore: 1020, minimumComments: 4)
                let source = try await store.addSource(url: "http://127.0.0.1:\(port)/v0", name: "HN", kind: .hackerNews)
                let outcome = try await Collector(store: store, fetcher: fetcher, pool: testPool, hackerNews: hackerNews,
                                                  logger: Self.logger).collect(source)
                #expect(outcome.health.newItems == 2)
                let stored = try await [store.item(id: 1), store.item(id: 2)].map { $0?.feedEntry.score }
                #expect(stored == [1020, 1030])
                #expect(try await store.item(id: 3) == nil)
            }
        }
    }

    @Test func aBrokenTopListFailsTheSourceWithTheReason() async throws {
        let routes = FixtureRoutes(["/v0/topstories.json": .text("{\"error\" : \"Permission denied\"}", contentType: "application/json")])
        try await withTestStore { store in
            try await withTestHTTPServer(routes.handler) { port in
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                let source = try await store.addSource(url: "http://127.0.0.1:\(port)/v0/", name: "HN", kind: .hackerNews)
                let outcome = try await Collector(store: store, fetcher: fetcher, pool: testPool, logger: Self.logger).collect(source)
                #expect(outcome.health.lastError?.hasPrefix("the Hacker News top-stories list is unreadable") == true)
                #expect(outcome.health.consecutiveFailures == 1)
                let recorded = try #require(try await store.source(id: source.id))
                #expect(recorded.health.lastError == outcome.health.lastError)
                #expect(recorded.kind == .hackerNews)
                #expect(try await store.countsByStage().isEmpty)
            }
        }
    }

    @Test func itemsAreFetchedAtMostItemConcurrencyAtATime() async throws {
        let inFlight = InFlightCounter()
        let ids = Array(1...8)
        try await withTestStore { store in
            try await withTestHTTPServer({ request in
                if request.path == "/v0/topstories.json" {
                    return .text("[\(ids.map(String.init).joined(separator: ","))]", contentType: "application/json")
                }
                inFlight.enter()
                await inFlight.holdUntilOverlapped()
                inFlight.leave()
                let id = Int(request.path.split(separator: "/").last?.split(separator: ".").first ?? "") ?? 0
                return Self.story(id, port: 9)
            }) { port in
                let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]))
                let collector = Collector(store: store, fetcher: fetcher, pool: testPool, hackerNews: HackerNews(storyCount: 8, itemConcurrency: 2, minimumScore: 0, minimumComments: 0),
                                          logger: Self.logger)
                let source = try await store.addSource(url: "http://127.0.0.1:\(port)/v0/", name: "HN", kind: .hackerNews)
                let outcome = try await collector.collect(source)
                #expect(outcome.health.itemsFound == 8)
                #expect(inFlight.peak == 2)
            }
        }
    }
}

/// Requests a server is answering at once, and the most there ever were. The first request is
/// held until a second one arrives, so that a client that fetches in parallel is seen to overlap
/// whatever the machine's speed; after that nothing waits.
final class InFlightCounter: Sendable {
    /// Only a client that never overlaps makes the first request wait this long.
    static let overlapWait: Duration = .seconds(10)
    private let state = Mutex((current: 0, peak: 0))

    func enter() { state.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) } }
    func leave() { state.withLock { $0.current -= 1 } }
    var peak: Int { state.withLock { $0.peak } }

    func holdUntilOverlapped() async {
        let deadline = ContinuousClock.now + Self.overlapWait
        while peak < 2, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
