import Foundation

/// Why a fetch did not produce a body, in words an operator can act on.
public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case unsupportedScheme(String)
    case unresolvableHost(String)
    case blockedAddress(host: String, address: String)
    case tooManyRedirects(limit: Int)
    case redirectLoop(String)
    case redirectWithoutLocation(status: Int)
    case bodyTooLarge(limit: Int)
    case timedOut(after: Duration)
    case httpStatus(Int)
    case transport(String)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            return "\(url) is not a valid http(s) URL"
        case .unsupportedScheme(let scheme):
            return "the scheme \(scheme) is not fetched; only http and https are"
        case .unresolvableHost(let host):
            return "the host \(host) could not be resolved"
        case .blockedAddress(let host, let address):
            let what = host == address ? host : "\(host) resolves to \(address), which"
            return "\(what) is a private or reserved address; add host:port to KAWARABAN_FETCH_ALLOW to fetch it anyway"
        case .tooManyRedirects(let limit):
            return "more than \(limit) redirects"
        case .redirectLoop(let url):
            return "redirect loop back to \(url)"
        case .redirectWithoutLocation(let status):
            return "redirect (HTTP \(status)) without a Location header"
        case .bodyTooLarge(let limit):
            return "the body is larger than \(limit) bytes (after decompression)"
        case .timedOut(let after):
            return "no complete answer within \(after.components.seconds) s"
        case .httpStatus(let status):
            return "the server answered HTTP \(status)"
        case .transport(let reason):
            return "connection failed: \(reason)"
        }
    }

    /// Whether trying again later might succeed.
    public var isTransient: Bool {
        switch self {
        case .timedOut, .transport, .unresolvableHost: return true
        case .httpStatus(let status): return status == 408 || status == 429 || status >= 500
        default: return false
        }
    }
}
