import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix

/// What to fetch, with the validators from the last fetch for a conditional GET.
public struct FetchRequest: Sendable {
    public var url: String
    public var etag: String?
    public var lastModified: String?
    public var accept: String
    /// The address of the document that named `url` (a feed naming its article), when the URL was
    /// not the operator's own choice. The allow list then exempts `url` only on that document's
    /// own endpoint, so a feed cannot point the fetcher at another allowed private service.
    public var namedBy: String?

    public init(url: String, etag: String? = nil, lastModified: String? = nil,
                accept: String = "*/*", namedBy: String? = nil) {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.accept = accept
        self.namedBy = namedBy
    }
}

public struct FetchResponse: Sendable {
    /// Where the body came from after redirects.
    public var finalURL: URL
    public var status: Int
    public var body: Data
    public var contentType: String?
    public var etag: String?
    public var lastModified: String?
    public var retryAfter: String?

    /// 304: the validators matched and nothing was transferred.
    public var isNotModified: Bool { status == 304 }
    /// 2xx: the body is the resource asked for.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// The one way Kawaraban reads the internet: redirects followed by hand so that every hop is
/// checked against the address guard, bodies streamed so that the size limit holds after
/// decompression, and one deadline for the whole exchange, name lookups included.
public final class Fetcher: Sendable {
    private static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]
    private static let connectTimeout: TimeAmount = .seconds(10)
    /// Name lookups at once. A lookup blocks its thread for as long as DNS takes to answer, so
    /// lookups get threads of their own, shared by every fetcher: a slow resolver then delays
    /// other lookups, never the site or the cooperative pool.
    static let resolverThreads = 4
    private static let resolverPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: resolverThreads)
        pool.start()
        return pool
    }()

    public let policy: FetchPolicy
    private let resolver: HostResolver
    private let configuration: HTTPClient.Configuration
    private let logger: Logger

    public init(policy: FetchPolicy, resolver: HostResolver = .system, logger: Logger = Logger(label: "kawaraban.fetch")) {
        self.policy = policy
        self.resolver = resolver
        self.logger = logger
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.connectTimeout, read: TimeAmount(policy.timeout)),
            decompression: .enabled(limit: .size(policy.maximumBodyBytes)))
        configuration.httpVersion = .automatic
        // A refused connection fails at once, so that the next checked address is tried rather
        // than the same one again until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.configuration = configuration
    }

    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchResponse {
        guard let start = URL(string: request.url) else { throw .invalidURL(request.url) }
        let deadline = NIODeadline.now() + TimeAmount(policy.timeout)
        let requested = try Self.endpoint(of: start)
        let exemptable = try Self.exemptableEndpoint(requested, namedBy: request.namedBy)
        var url = start
        var visited: Set<String> = [url.absoluteString]
        for _ in 0...policy.maximumRedirects {
            let destination = try await checkDestination(url, exemptable: exemptable, deadline: deadline)
            let response = try await execute(request, url: url, destination: destination, deadline: deadline)
            guard Self.redirectStatuses.contains(response.status) else { return response.response }
            guard let location = response.location else { throw .redirectWithoutLocation(status: response.status) }
            guard let next = URL(string: location, relativeTo: url)?.absoluteURL else { throw .invalidURL(location) }
            guard visited.insert(next.absoluteString).inserted else { throw .redirectLoop(next.absoluteString) }
            logger.debug("redirect", metadata: ["from": "\(url)", "to": "\(next)"])
            url = next
        }
        throw .tooManyRedirects(limit: policy.maximumRedirects)
    }

    /// The endpoint the allow list may exempt: the one asked for, unless a document on another
    /// endpoint chose it.
    private static func exemptableEndpoint(_ requested: AllowedEndpoint, namedBy: String?) throws(FetchError) -> AllowedEndpoint? {
        guard let namedBy else { return requested }
        guard let namer = URL(string: namedBy) else { throw .invalidURL(namedBy) }
        return try endpoint(of: namer) == requested ? requested : nil
    }

    /// The host (lower case, without brackets) and port a URL connects to; only http(s) is fetched.
    private static func endpoint(of url: URL) throws(FetchError) -> AllowedEndpoint {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .unsupportedScheme(url.scheme ?? "(none)")
        }
        guard let urlHost = url.host, !urlHost.isEmpty else { throw .invalidURL(url.absoluteString) }
        var host = urlHost.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return AllowedEndpoint(host: host, port: url.port ?? (scheme == "https" ? 443 : 80))
    }

    /// Refuses schemes other than http(s) and hosts that resolve into private networks, and
    /// returns the checked addresses the connection must go to, so that a second lookup (DNS
    /// rebinding) cannot lead the connection somewhere else. The allow list lifts the check
    /// only where `FetchPolicy.exempts` says, never for a redirect's choice of address.
    private func checkDestination(_ url: URL, exemptable: AllowedEndpoint?,
                                  deadline: NIODeadline) async throws(FetchError) -> Destination {
        let hop = try Self.endpoint(of: url)
        let guarded = !(exemptable.map { policy.exempts(hop, requested: $0) } ?? false)
        if AddressGuard.isLiteral(hop.host) {
            if guarded && AddressGuard.isBlocked(hop.host) { throw .blockedAddress(host: hop.host, address: hop.host) }
            return Destination(urlHost: url.host ?? hop.host, addresses: [])
        }
        let addresses = try await resolve(hop.host, deadline: deadline)
        guard !addresses.isEmpty else { throw .unresolvableHost(hop.host) }
        if guarded, let blocked = addresses.first(where: AddressGuard.isBlocked) {
            throw .blockedAddress(host: hop.host, address: blocked)
        }
        return Destination(urlHost: url.host ?? hop.host, addresses: addresses)
    }

    /// The resolver's answer, looked up on the resolver threads; at the deadline the fetch stops
    /// waiting, whether or not the lookup ever returns.
    private func resolve(_ host: String, deadline: NIODeadline) async throws(FetchError) -> [String] {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let answer = loop.makePromise(of: [String].self)
        let timeout = policy.timeout
        let alarm = loop.scheduleTask(deadline: deadline) { answer.fail(FetchError.timedOut(after: timeout)) }
        answer.futureResult.whenComplete { _ in alarm.cancel() }
        let lookup = resolver.lookup
        Self.resolverPool.runIfActive(eventLoop: loop) { lookup(host) }.cascade(to: answer)
        do {
            return try await answer.futureResult.get()
        } catch let error as FetchError {
            throw error
        } catch {
            throw .unresolvableHost(host)
        }
    }

    /// Tries each checked address in turn until one answers: a host with an IPv6 address that
    /// refuses and an IPv4 one that works is fetched, as a browser would.
    private func execute(_ request: FetchRequest, url: URL, destination: Destination,
                         deadline: NIODeadline) async throws(FetchError) -> FetchResponseWithLocation {
        guard !destination.addresses.isEmpty else {
            do {
                return try await execute(request, url: url, dnsOverride: [:], deadline: deadline)
            } catch {
                throw error.fetchError
            }
        }
        var lastFailure = FetchError.unresolvableHost(destination.urlHost)
        for address in destination.addresses {
            do {
                return try await execute(request, url: url, dnsOverride: [destination.urlHost: address], deadline: deadline)
            } catch {
                guard case .unanswered(let failure) = error else { throw error.fetchError }
                logger.debug("address did not answer", metadata: ["host": "\(destination.urlHost)", "address": "\(address)"])
                lastFailure = failure
            }
        }
        throw lastFailure
    }

    private func execute(_ request: FetchRequest, url: URL, dnsOverride: [String: String],
                         deadline: NIODeadline) async throws(AttemptError) -> FetchResponseWithLocation {
        var configuration = configuration
        configuration.dnsOverride = dnsOverride
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await racing(deadline) { () async throws(AttemptError) in
                try await self.exchange(request, url: url, client: client, deadline: deadline)
            }
            try? await client.shutdown()
            return response
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Runs `body` until `deadline`: the client's own deadline covers the wait for the response
    /// head, not a body that drips in a byte at a time.
    private func racing<T: Sendable>(_ deadline: NIODeadline,
                                     _ body: @escaping @Sendable () async throws(AttemptError) -> T) async throws(AttemptError) -> T {
        let timeout = policy.timeout
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    let remaining = deadline - NIODeadline.now()
                    try await Task.sleep(for: .nanoseconds(max(0, remaining.nanoseconds)))
                    throw AttemptError.failed(.timedOut(after: timeout))
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw AttemptError.failed(.timedOut(after: timeout)) }
                return first
            }
        } catch let error as AttemptError {
            throw error
        } catch {
            throw .failed(.transport(String(describing: error)))
        }
    }

    /// One request to one address. Failing before the response head leaves the next address
    /// to try; anything after it, or the deadline, ends the fetch.
    private func exchange(_ request: FetchRequest, url: URL, client: HTTPClient,
                          deadline: NIODeadline) async throws(AttemptError) -> FetchResponseWithLocation {
        var outbound = HTTPClientRequest(url: url.absoluteString)
        outbound.headers.add(name: "User-Agent", value: policy.userAgent)
        outbound.headers.add(name: "Accept", value: request.accept)
        if url.absoluteString == request.url {
            if let etag = request.etag { outbound.headers.add(name: "If-None-Match", value: etag) }
            if let lastModified = request.lastModified {
                outbound.headers.add(name: "If-Modified-Since", value: lastModified)
            }
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outbound, deadline: deadline, logger: logger)
        } catch {
            let failure = translate(error)
            throw error as? HTTPClientError == .deadlineExceeded ? .failed(failure) : .unanswered(failure)
        }
        do {
            let status = Int(response.status.code)
            var body = Data()
            if !Self.redirectStatuses.contains(status) && status != 304 {
                for try await chunk in response.body {
                    body.append(contentsOf: chunk.readableBytesView)
                    if body.count > policy.maximumBodyBytes { throw FetchError.bodyTooLarge(limit: policy.maximumBodyBytes) }
                }
            }
            let headers = response.headers
            let result = FetchResponse(
                finalURL: url, status: status, body: body, contentType: headers.first(name: "Content-Type"),
                etag: headers.first(name: "ETag"), lastModified: headers.first(name: "Last-Modified"),
                retryAfter: headers.first(name: "Retry-After"))
            return FetchResponseWithLocation(response: result, location: headers.first(name: "Location"))
        } catch {
            throw .failed(translate(error))
        }
    }

    private func translate(_ error: any Error) -> FetchError {
        if let error = error as? FetchError { return error }
        if let error = error as? HTTPClientError, [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            return .timedOut(after: policy.timeout)
        }
        if case NIOHTTPDecompression.DecompressionError.limit? = error as? NIOHTTPDecompression.DecompressionError {
            return .bodyTooLarge(limit: policy.maximumBodyBytes)
        }
        return .transport(String(describing: error))
    }
}

/// The host name a URL names and the checked addresses its connection may be made to; none
/// when the host is itself an address.
private struct Destination {
    var urlHost: String
    var addresses: [String]
}

/// How one attempt at one address ended without a response.
private enum AttemptError: Error {
    /// Nothing came back from this address (refused, unreachable, reset before the response
    /// head): another address of the host may answer.
    case unanswered(FetchError)
    /// The fetch itself failed, and no other address would change that.
    case failed(FetchError)

    var fetchError: FetchError {
        switch self {
        case .unanswered(let error), .failed(let error): return error
        }
    }
}

/// A response and its redirect target, before the redirect is followed.
private struct FetchResponseWithLocation {
    var response: FetchResponse
    var location: String?

    var status: Int { response.status }
}
