import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOHTTPCompression

/// What to fetch, with the validators from the last fetch for a conditional GET.
public struct FetchRequest: Sendable {
    public var url: String
    public var etag: String?
    public var lastModified: String?
    public var accept: String

    public init(url: String, etag: String? = nil, lastModified: String? = nil,
                accept: String = "*/*") {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.accept = accept
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
/// decompression, and one deadline for the whole exchange.
public final class Fetcher: Sendable {
    private static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]
    private static let connectTimeout: TimeAmount = .seconds(10)

    public let policy: FetchPolicy
    private let configuration: HTTPClient.Configuration
    private let logger: Logger

    public init(policy: FetchPolicy, logger: Logger = Logger(label: "kawaraban.fetch")) {
        self.policy = policy
        self.logger = logger
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.connectTimeout, read: TimeAmount(policy.timeout)),
            decompression: .enabled(limit: .size(policy.maximumBodyBytes)))
        configuration.httpVersion = .automatic
        self.configuration = configuration
    }

    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchResponse {
        guard let start = URL(string: request.url) else { throw .invalidURL(request.url) }
        let deadline = NIODeadline.now() + TimeAmount(policy.timeout)
        var url = start
        var visited: Set<String> = [url.absoluteString]
        for _ in 0...policy.maximumRedirects {
            let pinned = try await checkDestination(url)
            let response = try await execute(request, url: url, pinnedAddress: pinned, deadline: deadline)
            guard Self.redirectStatuses.contains(response.status) else { return response.response }
            guard let location = response.location else { throw .redirectWithoutLocation(status: response.status) }
            guard let next = URL(string: location, relativeTo: url)?.absoluteURL else { throw .invalidURL(location) }
            guard visited.insert(next.absoluteString).inserted else { throw .redirectLoop(next.absoluteString) }
            logger.debug("redirect", metadata: ["from": "\(url)", "to": "\(next)"])
            url = next
        }
        throw .tooManyRedirects(limit: policy.maximumRedirects)
    }

    /// Refuses schemes other than http(s) and hosts that resolve into private networks, and
    /// returns the checked address the connection must go to, so that a second lookup (DNS
    /// rebinding) cannot lead the connection somewhere else. Nil when the host is an address
    /// literal or allowed by the policy.
    private func checkDestination(_ url: URL) async throws(FetchError) -> Pinned? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .unsupportedScheme(url.scheme ?? "(none)")
        }
        guard let urlHost = url.host, !urlHost.isEmpty else { throw .invalidURL(url.absoluteString) }
        var host = urlHost.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        if policy.allows(host: host, port: port) { return nil }
        if AddressGuard.isLiteral(host) {
            if AddressGuard.isBlocked(host) { throw .blockedAddress(host: host, address: host) }
            return nil
        }
        let lookupHost = host
        let addresses = await Task.detached { AddressGuard.resolve(lookupHost) }.value
        guard let first = addresses.first else { throw .unresolvableHost(host) }
        if let blocked = addresses.first(where: AddressGuard.isBlocked) {
            throw .blockedAddress(host: host, address: blocked)
        }
        return Pinned(host: urlHost, address: first)
    }

    private func execute(_ request: FetchRequest, url: URL, pinnedAddress: Pinned?,
                         deadline: NIODeadline) async throws(FetchError) -> FetchResponseWithLocation {
        var configuration = configuration
        if let pinnedAddress { configuration.dnsOverride = [pinnedAddress.host: pinnedAddress.address] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await racing(deadline) { () async throws(FetchError) in
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
                                     _ body: @escaping @Sendable () async throws(FetchError) -> T) async throws(FetchError) -> T {
        let timeout = policy.timeout
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    let remaining = deadline - NIODeadline.now()
                    try await Task.sleep(for: .nanoseconds(max(0, remaining.nanoseconds)))
                    throw FetchError.timedOut(after: timeout)
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw FetchError.timedOut(after: timeout) }
                return first
            }
        } catch let error as FetchError {
            throw error
        } catch {
            throw .transport(String(describing: error))
        }
    }

    private func exchange(_ request: FetchRequest, url: URL, client: HTTPClient,
                          deadline: NIODeadline) async throws(FetchError) -> FetchResponseWithLocation {
        var outbound = HTTPClientRequest(url: url.absoluteString)
        outbound.headers.add(name: "User-Agent", value: policy.userAgent)
        outbound.headers.add(name: "Accept", value: request.accept)
        if url.absoluteString == request.url {
            if let etag = request.etag { outbound.headers.add(name: "If-None-Match", value: etag) }
            if let lastModified = request.lastModified {
                outbound.headers.add(name: "If-Modified-Since", value: lastModified)
            }
        }
        do {
            let response = try await client.execute(outbound, deadline: deadline, logger: logger)
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
        } catch let error as FetchError {
            throw error
        } catch let error as HTTPClientError {
            throw translate(error)
        } catch NIOHTTPDecompression.DecompressionError.limit {
            throw .bodyTooLarge(limit: policy.maximumBodyBytes)
        } catch {
            throw .transport(String(describing: error))
        }
    }

    private func translate(_ error: HTTPClientError) -> FetchError {
        switch error {
        case .deadlineExceeded, .readTimeout, .connectTimeout: return .timedOut(after: policy.timeout)
        default:
            return .transport(String(describing: error))
        }
    }
}

/// A host name and the checked address its connection is made to.
private struct Pinned {
    var host: String
    var address: String
}

/// A response and its redirect target, before the redirect is followed.
private struct FetchResponseWithLocation {
    var response: FetchResponse
    var location: String?

    var status: Int { response.status }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
