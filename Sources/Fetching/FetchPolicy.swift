import Foundation

/// A host and port that may be fetched even though it resolves to a private or loopback address.
public struct AllowedEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host.lowercased()
        self.port = port
    }

    /// Parses "host:port" or "[v6]:port"; nil when either half is missing or the port is out of range.
    public init?(parsing entry: String) {
        let trimmed = entry.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.lastIndex(of: ":"),
              let port = Int(trimmed[trimmed.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The limits every outbound request obeys; feeds, pages and anything else from the internet.
public struct FetchPolicy: Sendable {
    public static let defaultMaximumRedirects = 5
    public static let defaultTimeout: Duration = .seconds(20)
    public static let defaultMaximumBodyBytes = 15 * 1024 * 1024
    public static let defaultUserAgent = "Kawaraban/0.1 (+https://github.com/kawaraban; news collector)"

    public var maximumRedirects: Int
    public var timeout: Duration
    public var maximumBodyBytes: Int
    public var allowed: Set<AllowedEndpoint>
    public var userAgent: String

    public init(
        maximumRedirects: Int = FetchPolicy.defaultMaximumRedirects,
        timeout: Duration = FetchPolicy.defaultTimeout,
        maximumBodyBytes: Int = FetchPolicy.defaultMaximumBodyBytes,
        allowed: Set<AllowedEndpoint> = [],
        userAgent: String = FetchPolicy.defaultUserAgent
    ) {
        self.maximumRedirects = maximumRedirects
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
        self.allowed = allowed
        self.userAgent = userAgent
    }

    /// Whether the allow list lifts the address guard for `hop` of a fetch that began at
    /// `requested`. Only the endpoint the operator asked for is exempt, on the first hop and on
    /// redirects back to it: a redirect elsewhere is the remote server's choice, so it is
    /// guarded like any address, even when its endpoint is on the list. Otherwise any public
    /// page could lead the fetcher into an allowed private service.
    func exempts(_ hop: AllowedEndpoint, requested: AllowedEndpoint) -> Bool {
        hop == requested && allowed.contains(hop)
    }
}
