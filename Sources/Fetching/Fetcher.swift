import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

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
}

/// The one way Kawaraban reads the internet: redirects followed by hand so that every hop is
/// checked against the address guard, bodies streamed so that the size limit holds after
/// decompression, and one deadline for the whole exchange.
public final class Fetcher: Sendable {
    private static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]
    private static let connectTimeout: TimeAmount = .seconds(10)

    public let policy: FetchPolicy
    private let client: HTTPClient
    private let logger: Logger

    public init(policy: FetchPolicy, logger: Logger = Logger(label: "kawaraban.fetch")) {
        self.policy = policy
        self.logger = logger
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.connectTimeout, read: TimeAmount(policy.timeout)),
            decompression: .enabled(limit: .size(policy.maximumBodyBytes)))
        configuration.httpVersion = .automatic
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchResponse {
        guard let start = URL(string: request.url) else { throw .invalidURL(request.url) }
        let deadline = NIODeadline.now() + TimeAmount(policy.timeout)
        var url = start
        var visited: Set<String> = [url.absoluteString]
        for _ in 0...policy.maximumRedirects {
            try await checkDestination(url)
            let response = try await execute(request, url: url, deadline: deadline)
            guard Self.redirectStatuses.contains(response.status) else { return response.response }
            guard let location = response.location else { throw .redirectWithoutLocation(status: response.status) }
            guard let next = URL(string: location, relativeTo: url)?.absoluteURL else { throw .invalidURL(location) }
            guard visited.insert(next.absoluteString).inserted else { throw .redirectLoop(next.absoluteString) }
            logger.debug("redirect", metadata: ["from": "\(url)", "to": "\(next)"])
            url = next
        }
        throw .tooManyRedirects(limit: policy.maximumRedirects)
    }

    /// Refuses schemes other than http(s) and hosts that resolve into private networks.
    private func checkDestination(_ url: URL) async throws(FetchError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .unsupportedScheme(url.scheme ?? "(none)")
        }
        guard var host = url.host?.lowercased(), !host.isEmpty else { throw .invalidURL(url.absoluteString) }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        if policy.allows(host: host, port: port) { return }
        let lookupHost = host
        let addresses = await Task.detached { AddressGuard.resolve(lookupHost) }.value
        guard !addresses.isEmpty else { throw .unresolvableHost(host) }
        if let blocked = addresses.first(where: AddressGuard.isBlocked) {
            throw .blockedAddress(host: host, address: blocked)
        }
    }

    private func execute(_ request: FetchRequest, url: URL, deadline: NIODeadline) async throws(FetchError) -> FetchResponseWithLocation {
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
        } catch {
            throw .transport(String(describing: error))
        }
    }

    private func translate(_ error: HTTPClientError) -> FetchError {
        switch error {
        case .deadlineExceeded, .readTimeout, .connectTimeout: return .timedOut(after: policy.timeout)
        default:
            if String(describing: error).contains("decompressionLimit") {
                return .bodyTooLarge(limit: policy.maximumBodyBytes)
            }
            return .transport(String(describing: error))
        }
    }
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
