import Fetching
import Foundation
import KawarabanCore
import Logging
import Synchronization
import Testing
import TestSupport
@testable import Pipeline

/// Comment threads read through a real local server that answers like Hacker News's API.
@Suite struct HackerThreadsTests {
    static let logger = Logger(label: "hacker-threads-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A generated thread: every comment's parent, depth and replies, served on demand.
    struct GeneratedThread: Sendable {
        var kids: [Int: [Int]] = [:]
        var depth: [Int: Int] = [:]
        var count = 0

        /// Story 1 with `widths[d]` replies under each comment at depth d (the story is depth 0),
        /// then a chain of single replies under the first comment of the last level until `total`.
        init(storyID: Int, widths: [Int], total: Int) {
            var nextID = storyID + 1
            var level = [storyID]
            depth[storyID] = 0
            for (index, width) in widths.enumerated() {
                var next: [Int] = []
                for parent in level {
                    let children = Array(nextID..<(nextID + width))
                    nextID += width
                    kids[parent] = children
                    for child in children { depth[child] = index + 1 }
                    next += children
                }
                level = next
            }
            var tail = level[0]
            while nextID - storyID - 1 < total {
                kids[tail] = [nextID]
                depth[nextID] = depth[tail]! + 1
                tail = nextID
                nextID += 1
            }
            count = nextID - storyID - 1
        }
    }

    /// A comment document in the API's shape, its text about `textBytes` long.
    static func comment(_ id: Int, kids: [Int], textBytes: Int = 400) -> String {
        let words = String(repeating: "word &amp; <i>more</i> ", count: max(1, textBytes / 23))
        let kidList = kids.map(String.init).joined(separator: ",")
        return #"{"by":"user\#(id)","id":\#(id),"kids":[\#(kidList)],"parent":1,"text":"<p>Comment \#(id): \#(words)","time":1778300000,"type":"comment"}"#
    }

    static func itemID(_ path: String) -> Int? {
        guard path.hasPrefix("/v0/item/"), path.hasSuffix(".json") else { return nil }
        return Int(path.dropFirst("/v0/item/".count).dropLast(".json".count))
    }

    static func threads(port: Int, limits: ThreadLimits) -> HackerNewsThreads {
        HackerNewsThreads(limits: limits, fetchPolicy: FetchPolicy(allowed: [AllowedEndpoint(host: "127.0.0.1", port: port)]),
                          pool: testPool, logger: logger)
    }

    @Test func aThreadOfFiveThousandCommentsIsReadWithinItsLimits() async throws {
        let thread = GeneratedThread(storyID: 1, widths: [50, 10, 3, 1], total: 5_000)
        #expect(thread.count == 5_000)
        #expect(thread.depth.values.max()! > 1_000)
        let requested = Mutex<[Int]>([])
        let handler: TestHandler = { request in
            guard let id = Self.itemID(request.path), let depth = thread.depth[id] else { return .notFound() }
            requested.withLock { $0.append(id) }
            if depth == 0 {
                let kids = thread.kids[id, default: []].map(String.init).joined(separator: ",")
                return .text(#"{"by":"poster","descendants":5000,"id":1,"kids":[\#(kids)],"score":700,"title":"A thread","type":"story"}"#,
                             contentType: "application/json")
            }
            return .text(Self.comment(id, kids: thread.kids[id, default: []]), contentType: "application/json")
        }
        let limits = ThreadLimits()
        try await withTestHTTPServer(handler) { port in
            let threads = Self.threads(port: port, limits: limits)
            let base = "http://127.0.0.1:\(port)/v0"
            let started = ContinuousClock.now
            let story = try #require(await threads.story(id: 1, base: base))
            #expect(story.points == 700 && story.commentCount == 5_000 && story.kids.count == 50)
            let read = await threads.comments(of: story, base: base)
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            let asked = requested.withLock { $0 }
            print("5,000-comment thread: \(asked.count) requests (story included), \(read.comments.count) comments kept, "
                  + "\(read.documentBytes) document bytes, \(read.textBytes) text bytes, \(String(format: "%.2f", seconds)) s, "
                  + "stopped by \(read.stoppedBy ?? "nothing")")

            #expect(asked.count <= limits.maximumComments + 1)
            #expect(read.requests <= limits.maximumComments)
            #expect(Set(asked).count == asked.count)
            #expect(asked.allSatisfy { thread.depth[$0]! <= limits.maximumDepth })
            #expect(read.comments.allSatisfy { $0.depth <= limits.maximumDepth && $0.text.utf8.count <= ThreadLimits.maximumCommentBytes })
            #expect(read.textBytes <= limits.maximumTextBytes)
            #expect(read.textBytes == read.comments.reduce(0) { $0 + $1.text.utf8.count })
            #expect(read.stoppedBy?.contains("comments") == true)
            // Breadth first in ranking order: every top-level comment, in order, before any reply.
            #expect(read.comments.prefix(50).map(\.id) == Array(2...51))
            #expect(read.comments.count == limits.maximumComments)
            #expect(read.authors.contains("user2") && read.authors.contains("poster"))
        }
    }

    @Test func theTextLimitKeepsTheTopOfTheThread() async throws {
        let thread = GeneratedThread(storyID: 1, widths: [40, 5], total: 240)
        let handler: TestHandler = { request in
            guard let id = Self.itemID(request.path), let depth = thread.depth[id] else { return .notFound() }
            if depth == 0 {
                let kids = thread.kids[id, default: []].map(String.init).joined(separator: ",")
                return .text(#"{"id":1,"kids":[\#(kids)],"score":5,"descendants":240,"title":"T","type":"story"}"#)
            }
            return .text(Self.comment(id, kids: thread.kids[id, default: []], textBytes: 1_000))
        }
        let limits = ThreadLimits(maximumTextBytes: 20_000, concurrency: 4)
        try await withTestHTTPServer(handler) { port in
            let threads = Self.threads(port: port, limits: limits)
            let base = "http://127.0.0.1:\(port)/v0"
            let story = try #require(await threads.story(id: 1, base: base))
            let read = await threads.comments(of: story, base: base)
            #expect(read.textBytes <= 20_000)
            #expect(read.stoppedBy?.contains("text") == true)
            #expect(read.comments.count >= 15)
            #expect(read.comments.map(\.id) == Array(2..<(2 + read.comments.count)))
            // The read stopped at the first level: well short of asking for all 240 comments.
            #expect(read.requests < 40)
        }
    }

    @Test func hostileCommentsAreSkippedAndTheRestOfTheThreadIsUsed() async throws {
        // 2: huge document; 3: long text; 4: an item calling itself a story, with a kid; 5: a cycle back to
        // the story, itself and 3; 6: not JSON; 7: missing; 8: deleted; 9: dead; 10: describes item 99;
        // 11: a chain 30 deep; 12: a plain comment with markup and entities.
        let routes = FixtureRoutes()
        routes.set("/v0/item/1.json", .text(#"{"id":1,"by":"op","kids":[2,3,4,5,6,7,8,9,10,11,12],"score":10,"descendants":50,"title":"T","type":"story"}"#))
        routes.set("/v0/item/2.json", .text(#"{"id":2,"type":"comment","by":"big","text":""# + String(repeating: "x", count: 1 << 20) + #""}"#))
        routes.set("/v0/item/3.json", .text(#"{"id":3,"type":"comment","by":"long","text":""# + String(repeating: "あ", count: 30_000) + #""}"#))
        routes.set("/v0/item/4.json", .text(#"{"id":4,"type":"story","by":"sneaky","title":"Me","kids":[40],"text":"I am a story"}"#))
        routes.set("/v0/item/40.json", .text(#"{"id":40,"type":"comment","by":"hidden","text":"never read"}"#))
        routes.set("/v0/item/5.json", .text(#"{"id":5,"type":"comment","by":"loop","kids":[1,5,3,50],"text":"round"}"#))
        routes.set("/v0/item/50.json", .text(#"{"id":50,"type":"comment","by":"child","kids":[5],"text":"reply"}"#))
        routes.set("/v0/item/6.json", .text("<html>Service Unavailable</html>"))
        routes.set("/v0/item/8.json", .text(#"{"id":8,"deleted":true,"type":"comment"}"#))
        routes.set("/v0/item/9.json", .text(#"{"id":9,"dead":true,"type":"comment","by":"spam","text":"buy"}"#))
        routes.set("/v0/item/10.json", .text(#"{"id":99,"type":"comment","by":"other","text":"elsewhere"}"#))
        for depth in 0..<30 {
            let id = 1_100 + depth
            let body = #"{"id":\#(depth == 0 ? 11 : id),"type":"comment","by":"deep\#(depth)","kids":[\#(id + 1)],"text":"level \#(depth + 1)"}"#
            routes.set("/v0/item/\(depth == 0 ? 11 : id).json", .text(body))
        }
        routes.set("/v0/item/12.json", .text(#"{"id":12,"type":"comment","by":"plain","text":"Read <a href=\"https:&#x2F;&#x2F;example.com\">https:&#x2F;&#x2F;example.com</a>, it&#x27;s <i>good</i> &amp; fast.<p>Second <b>para</b>.<pre><code>x &lt; y</code></pre>"}"#))
        let limits = ThreadLimits(maximumDepth: 4)
        try await withTestHTTPServer(routes.handler) { port in
            let threads = Self.threads(port: port, limits: limits)
            let base = "http://127.0.0.1:\(port)/v0"
            let story = try #require(await threads.story(id: 1, base: base))
            let read = await threads.comments(of: story, base: base)
            let paths = routes.received.map(\.path)
            #expect(Set(paths).count == paths.count, "every item is asked for once: \(paths)")
            #expect(!paths.contains("/v0/item/40.json"))
            #expect(!paths.contains("/v0/item/1104.json"))
            let byID = Dictionary(uniqueKeysWithValues: read.comments.map { ($0.id, $0) })
            #expect(Set(byID.keys) == [3, 5, 11, 12, 50, 1101, 1102, 1103])
            #expect(byID[3]!.text.utf8.count <= ThreadLimits.maximumCommentBytes)
            #expect(byID[3]!.text.utf8.count > ThreadLimits.maximumCommentBytes - 3)
            #expect(byID[1103]!.depth == 4)
            #expect(byID[12]!.text == "Read https://example.com, it's good & fast.\nSecond para.\nx < y")
            #expect(read.authors == ["op", "long", "loop", "child", "deep0", "deep1", "deep2", "deep3", "plain"])
        }
    }

    @Test func aSlowAPIIsReadUntilTheDeadlineAndWhatCameIsUsed() async throws {
        let kids = (2...101).map(String.init).joined(separator: ",")
        // The first four comments answer at once; every later one would take 30 s.
        let quick = 2...5
        let handler: TestHandler = { request in
            guard let id = Self.itemID(request.path) else { return .notFound() }
            if id == 1 { return .text(#"{"id":1,"kids":[\#(kids)],"score":5,"descendants":100,"title":"T","type":"story"}"#) }
            var answer = TestResponse.text(Self.comment(id, kids: []))
            if !quick.contains(id) { answer.delay = .seconds(30) }
            return answer
        }
        let limits = ThreadLimits(concurrency: 4, deadline: .seconds(5))
        try await withTestHTTPServer(handler) { port in
            let threads = Self.threads(port: port, limits: limits)
            let base = "http://127.0.0.1:\(port)/v0"
            // The story under the default deadline: only the comments are held to the short one.
            let story = try #require(await Self.threads(port: port, limits: ThreadLimits()).story(id: 1, base: base))
            let started = ContinuousClock.now
            let read = await threads.comments(of: story, base: base)
            let elapsed = ContinuousClock.now - started
            // The requests still waiting at the deadline are given up, not waited out.
            #expect(elapsed < .seconds(20), "took \(elapsed)")
            #expect(read.stoppedBy?.contains("deadline") == true)
            #expect(read.comments.map(\.id) == Array(quick))
        }
    }

    @Test func aStoryTheAPIDoesNotServeIsNil() async throws {
        let routes = FixtureRoutes()
        routes.set("/v0/item/2.json", .text("null"))
        routes.set("/v0/item/3.json", .text(#"{"id":3,"type":"comment","text":"not a story"}"#))
        try await withTestHTTPServer(routes.handler) { port in
            let threads = Self.threads(port: port, limits: ThreadLimits())
            let base = "http://127.0.0.1:\(port)/v0"
            for id in 1...3 { #expect(await threads.story(id: id, base: base) == nil) }
        }
    }

    @Test func commentHTMLBecomesPlainTextInOnePass() {
        #expect(HackerNewsText.plainText("a<p>b<p>c", maximumBytes: 100) == "a\nb\nc")
        #expect(HackerNewsText.plainText("1 &lt; 2 &amp;&amp; 3 &gt; 2 &#39;q&#39; &#x1F600; &bogus; & alone", maximumBytes: 100)
                == "1 < 2 && 3 > 2 'q' 😀 &bogus; & alone")
        // HN escapes a literal "<"; one with no ">" after it is kept as text all the same.
        #expect(HackerNewsText.plainText("<i>a</i> < b and <c", maximumBytes: 100) == "a < b and <c")
        #expect(HackerNewsText.plainText("line\nbreaks\tand  tabs", maximumBytes: 100) == "line breaks and  tabs")
        #expect(HackerNewsText.plainText("&#0; &#xFFFFFFFF; &#55296;", maximumBytes: 100) == "&#0; &#xFFFFFFFF; &#55296;")
        // Cut on a character boundary.
        #expect(HackerNewsText.plainText("ああああ", maximumBytes: 7) == "ああ")
        // A million unmatched brackets and ampersands are read in one pass.
        let started = ContinuousClock.now
        let hostile = String(repeating: "<", count: 1_000_000) + String(repeating: "&#x", count: 300_000)
        let text = HackerNewsText.plainText(hostile, maximumBytes: 2_000_000)
        #expect(text.utf8.count == hostile.utf8.count)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
