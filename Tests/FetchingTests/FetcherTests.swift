import Foundation
import Testing
import TestSupport
@testable import Fetching

@Suite struct FetcherTests {
    /// A fetcher allowed to reach these loopback ports, shut down however `body` ends.
    func withFetcher(allowing ports: [Int], maximumBodyBytes: Int = FetchPolicy.defaultMaximumBodyBytes,
                     timeout: Duration = FetchPolicy.defaultTimeout,
                     _ body: (Fetcher) async throws -> Void) async throws {
        let fetcher = Fetcher(policy: FetchPolicy(
            timeout: timeout, maximumBodyBytes: maximumBodyBytes,
            allowed: Set(ports.map { AllowedEndpoint(host: "127.0.0.1", port: $0) })))
        try await body(fetcher)
    }

    @Test func loopbackIsRefusedUnlessAllowed() async throws {
        let routes = FixtureRoutes(["/feed.xml": .text("<rss/>")])
        try await withTestHTTPServer(routes.handler) { port in
            try await withFetcher(allowing: []) { refusing in
                await #expect(throws: FetchError.blockedAddress(host: "127.0.0.1", address: "127.0.0.1")) {
                    try await refusing.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/feed.xml"))
                }
            }
            #expect(routes.received.isEmpty)

            try await withFetcher(allowing: [port]) { allowing in
                let response = try await allowing.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/feed.xml"))
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self) == "<rss/>")
            }
        }
    }

    @Test func localhostNameIsRefusedLikeItsAddress() async throws {
        try await withFetcher(allowing: []) { refusing in
            await #expect(throws: FetchError.self) {
                try await refusing.fetch(FetchRequest(url: "http://localhost:9/"))
            }
        }
    }

    @Test(arguments: [
        "http://127.0.0.1:%d/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:%d/", "http://100.64.0.1/",
    ])
    func redirectIntoPrivateNetworkIsRefused(target: String) async throws {
        let routes = FixtureRoutes()
        try await withTestHTTPServer(routes.handler) { port in
            let location = target.replacingOccurrences(of: "%d", with: String(port + 1))
            routes.set("/start", TestResponse(status: 302, headers: [("Location", location)]))
            try await withFetcher(allowing: [port]) { guarded in
                await #expect(throws: FetchError.self) {
                    try await guarded.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/start"))
                }
            }
        }
    }

    @Test func redirectsAreFollowedWithinTheLimit() async throws {
        let routes = FixtureRoutes()
        for hop in 0..<5 { routes.set("/hop\(hop)", TestResponse(status: 301, headers: [("Location", "/hop\(hop + 1)")])) }
        routes.set("/hop5", .text("arrived"))
        for hop in 0..<11 { routes.set("/long\(hop)", TestResponse(status: 302, headers: [("Location", "/long\(hop + 1)")])) }
        routes.set("/loop", TestResponse(status: 302, headers: [("Location", "/loop")]))
        try await withTestHTTPServer(routes.handler) { port in
            try await withFetcher(allowing: [port]) { client in
                let arrived = try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/hop0"))
                #expect(String(decoding: arrived.body, as: UTF8.self) == "arrived")
                #expect(arrived.finalURL.path == "/hop5")
                await #expect(throws: FetchError.tooManyRedirects(limit: 5)) {
                    try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/long0"))
                }
                await #expect(throws: FetchError.redirectLoop("http://127.0.0.1:\(port)/loop")) {
                    try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/loop"))
                }
            }
        }
    }

    @Test func conditionalGetSendsValidatorsAndReportsNotModified() async throws {
        try await withTestHTTPServer({ request in
            request.header("If-None-Match") == "\"v1\""
                ? TestResponse(status: 304)
                : TestResponse(status: 200, headers: [("ETag", "\"v1\""), ("Last-Modified", "Mon, 23 Nov 2026 10:00:00 GMT")],
                               body: Array("<rss/>".utf8))
        }) { port in
            try await withFetcher(allowing: [port]) { client in
                let first = try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/feed"))
                #expect(first.etag == "\"v1\"")
                #expect(first.lastModified == "Mon, 23 Nov 2026 10:00:00 GMT")
                let second = try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/feed", etag: first.etag,
                                                                 lastModified: first.lastModified))
                #expect(second.isNotModified)
                #expect(second.body.isEmpty)
            }
        }
    }

    @Test func bodyLargerThanTheLimitIsRefused() async throws {
        let routes = FixtureRoutes(["/big": TestResponse(body: Array(repeating: UInt8(ascii: "a"), count: 64 * 1024))])
        try await withTestHTTPServer(routes.handler) { port in
            try await withFetcher(allowing: [port], maximumBodyBytes: 16 * 1024) { client in
                await #expect(throws: FetchError.bodyTooLarge(limit: 16 * 1024)) {
                    try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/big"))
                }
            }
        }
    }

    @Test func gzipBombStopsAtTheLimitAfterDecompression() async throws {
        let routes = FixtureRoutes(["/bomb.xml": try HostileBodies.gzipBombResponse(contentType: "application/rss+xml")])
        try await withTestHTTPServer(routes.handler) { port in
            try await withFetcher(allowing: [port], maximumBodyBytes: 1024 * 1024) { client in
                await #expect(throws: FetchError.bodyTooLarge(limit: 1024 * 1024)) {
                    try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/bomb.xml"))
                }
            }
        }
    }

    @Test func endlessBodyStopsAtTheLimit() async throws {
        let endless = TestResponse(stream: TestStream(chunk: Array(repeating: UInt8(ascii: "x"), count: 64 * 1024)))
        try await withTestHTTPServer(FixtureRoutes(["/endless": endless]).handler) { port in
            try await withFetcher(allowing: [port], maximumBodyBytes: 2 * 1024 * 1024) { client in
                await #expect(throws: FetchError.bodyTooLarge(limit: 2 * 1024 * 1024)) {
                    try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/endless"))
                }
            }
        }
    }

    @Test func aBodyThatDripsIsCutAtTheDeadline() async throws {
        let drip = TestResponse(headers: [("Content-Type", "application/rss+xml")],
                                stream: TestStream(chunk: Array("<".utf8), interval: .seconds(1)))
        try await withTestHTTPServer(FixtureRoutes(["/drip": drip]).handler) { port in
            try await withFetcher(allowing: [port], timeout: .seconds(2)) { client in
                // Only the deadline ends a body that never stops.
                await #expect(throws: FetchError.timedOut(after: .seconds(2))) {
                    try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/drip"))
                }
            }
        }
    }

    @Test(arguments: [["::1", "127.0.0.1"], ["127.0.0.2", "127.0.0.1"]])
    func anAddressThatRefusesLeavesTheNextToAnswer(addresses: [String]) async throws {
        let routes = FixtureRoutes(["/feed.xml": .text("<rss/>")])
        try await withTestHTTPServer(routes.handler) { port in
            // The server listens on 127.0.0.1 only, so the first address refuses the connection.
            let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "localhost", port: port)]),
                                  resolver: HostResolver { _ in addresses })
            let response = try await fetcher.fetch(FetchRequest(url: "http://localhost:\(port)/feed.xml"))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "<rss/>")
            #expect(routes.received.count == 1)
        }
    }

    @Test func everyAddressRefusingFailsWithTheConnectionError() async throws {
        let port = try unusedLoopbackPort()
        let fetcher = Fetcher(policy: FetchPolicy(allowed: [AllowedEndpoint(host: "localhost", port: port)]),
                              resolver: HostResolver { _ in ["::1", "127.0.0.1"] })
        let error = await #expect(throws: FetchError.self) {
            try await fetcher.fetch(FetchRequest(url: "http://localhost:\(port)/"))
        }
        guard case .transport = try #require(error) else {
            Issue.record("expected a connection failure, got \(String(describing: error))")
            return
        }
    }

    @Test func aLookupThatNeverAnswersEndsAtTheDeadline() async throws {
        let gate = LookupGate()
        defer { gate.open() }
        let fetcher = Fetcher(policy: FetchPolicy(timeout: .seconds(1)), resolver: gate.resolver)
        await #expect(throws: FetchError.timedOut(after: .seconds(1))) {
            try await fetcher.fetch(FetchRequest(url: "http://feeds.example/rss"))
        }
    }

    /// Blocked lookups hold resolver threads, not the cooperative pool's: a fetch that needs no
    /// lookup, and the test server, go on while as many lookups as the pool has threads wait.
    @Test func blockedLookupsLeaveTheCooperativePoolFree() async throws {
        let blocked = min(ProcessInfo.processInfo.activeProcessorCount, Fetcher.resolverThreads)
        let gate = LookupGate()
        // Should the pool be starved after all, the lookups are freed, and the check below fails rather than hangs.
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) { gate.open() }
        defer { gate.open() }
        let routes = FixtureRoutes(["/feed.xml": .text("<rss/>")])
        try await withTestHTTPServer(routes.handler) { port in
            let waiting = Fetcher(policy: FetchPolicy(timeout: .seconds(120)), resolver: gate.resolver)
            let lookups = (0..<blocked).map { index in
                Task { try? await waiting.fetch(FetchRequest(url: "http://host\(index).example/rss")) }
            }
            await gate.waitUntilStarted(blocked)
            try await withFetcher(allowing: [port]) { probe in
                let response = try await probe.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/feed.xml"))
                #expect(response.status == 200)
            }
            #expect(!gate.isOpen, "the probe only finished once the blocked lookups were freed")
            gate.open()
            for lookup in lookups { _ = await lookup.value }
        }
    }

    @Test func aRedirectToAnotherAllowedEndpointIsGuarded() async throws {
        let target = FixtureRoutes(["/internal": .text("secret")])
        try await withTestHTTPServer(target.handler) { targetPort in
            let start = FixtureRoutes(["/feed.xml": TestResponse(status: 302, headers: [("Location", "http://127.0.0.1:\(targetPort)/internal")])])
            try await withTestHTTPServer(start.handler) { startPort in
                try await withFetcher(allowing: [startPort, targetPort]) { client in
                    await #expect(throws: FetchError.blockedAddress(host: "127.0.0.1", address: "127.0.0.1")) {
                        try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(startPort)/feed.xml"))
                    }
                }
                #expect(start.received.count == 1)
            }
            #expect(target.received.isEmpty)
            // Asked for directly, the same endpoint is exempt.
            try await withFetcher(allowing: [targetPort]) { client in
                let response = try await client.fetch(FetchRequest(url: "http://127.0.0.1:\(targetPort)/internal"))
                #expect(String(decoding: response.body, as: UTF8.self) == "secret")
            }
        }
    }

    @Test func aLinkAFeedNamesIsExemptOnlyOnTheFeedsOwnEndpoint() async throws {
        let service = FixtureRoutes(["/internal": .text("secret")])
        try await withTestHTTPServer(service.handler) { servicePort in
            let internalURL = "http://127.0.0.1:\(servicePort)/internal"
            try await withFetcher(allowing: [servicePort]) { client in
                await #expect(throws: FetchError.blockedAddress(host: "127.0.0.1", address: "127.0.0.1")) {
                    try await client.fetch(FetchRequest(url: internalURL, namedBy: "https://news.example/feed.xml"))
                }
                await #expect(throws: FetchError.blockedAddress(host: "127.0.0.1", address: "127.0.0.1")) {
                    try await client.fetch(FetchRequest(url: internalURL, namedBy: "http://127.0.0.1:\(servicePort + 1)/feed.xml"))
                }
                #expect(service.received.isEmpty)
                let ownPage = try await client.fetch(FetchRequest(url: internalURL, namedBy: "http://127.0.0.1:\(servicePort)/feed.xml"))
                #expect(String(decoding: ownPage.body, as: UTF8.self) == "secret")
            }
        }
    }

    @Test func nonHTTPSchemesAreRefused() async throws {
        try await withFetcher(allowing: []) { client in
            await #expect(throws: FetchError.unsupportedScheme("file")) {
                try await client.fetch(FetchRequest(url: "file:///etc/passwd"))
            }
        }
    }
}

@Suite struct AddressGuardTests {
    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "100.127.255.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
        "ff02::1", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "64:ff9b::7f00:1", "2002:c0a8:101::1", "2002::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1", "fec0::1", "feff::1", "not an address",
    ])
    func blocked(address: String) {
        #expect(AddressGuard.isBlocked(address))
    }

    @Test(arguments: ["8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1", "2606:4700::1111",
                      "2001:4860:4860::8888", "2001:1::1", "2003::1", "fe00::1"])
    func allowed(address: String) {
        #expect(!AddressGuard.isBlocked(address))
    }

    /// A public first hop cannot be served locally, so the decision is checked on its own with
    /// real addresses: the allow list covers the endpoint the operator asked for, and nothing a
    /// server redirects to.
    @Test func theAllowListExemptsOnlyTheEndpointAskedFor() {
        let internalFeed = AllowedEndpoint(host: "127.0.0.1", port: 8080)
        let internalService = AllowedEndpoint(host: "10.0.0.5", port: 80)
        let publicFeed = AllowedEndpoint(host: "news.example", port: 443)
        let policy = FetchPolicy(allowed: [internalFeed, internalService])
        #expect(policy.exempts(internalFeed, requested: internalFeed))
        #expect(!policy.exempts(internalFeed, requested: publicFeed))
        #expect(!policy.exempts(internalService, requested: internalFeed))
        #expect(!policy.exempts(publicFeed, requested: publicFeed))
    }

    @Test func allowListEntriesParse() {
        #expect(AllowedEndpoint(parsing: "127.0.0.1:8080") == AllowedEndpoint(host: "127.0.0.1", port: 8080))
        #expect(AllowedEndpoint(parsing: "[::1]:443") == AllowedEndpoint(host: "::1", port: 443))
        #expect(AllowedEndpoint(parsing: "Feeds.Example:80") == AllowedEndpoint(host: "feeds.example", port: 80))
        #expect(AllowedEndpoint(parsing: "example.com") == nil)
        #expect(AllowedEndpoint(parsing: "example.com:99999") == nil)
    }
}

/// A resolver whose lookups block their thread until the gate opens, as a resolver waiting on
/// an unanswering DNS server does.
final class LookupGate: @unchecked Sendable {
    private let lock = NSLock()
    private let opened = DispatchSemaphore(value: 0)
    private var openedAlready = false
    private let starts: AsyncStream<Void>
    private let startContinuation: AsyncStream<Void>.Continuation

    init() {
        (starts, startContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    var resolver: HostResolver {
        HostResolver { _ in
            self.startContinuation.yield()
            self.opened.wait()
            self.opened.signal()
            return []
        }
    }

    var isOpen: Bool { lock.withLock { openedAlready } }

    func open() {
        let first = lock.withLock {
            defer { openedAlready = true }
            return !openedAlready
        }
        if first { opened.signal() }
    }

    func waitUntilStarted(_ count: Int) async {
        var seen = 0
        for await _ in starts {
            seen += 1
            if seen == count { return }
        }
    }
}
