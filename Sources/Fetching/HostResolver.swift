import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into the addresses it resolves to, as text. A lookup may block for as
/// long as the system's resolver waits on DNS, so the fetcher runs it on threads of its own,
/// never on Swift's cooperative pool.
public struct HostResolver: Sendable {
    public let lookup: @Sendable (_ host: String) -> [String]

    public init(lookup: @escaping @Sendable (_ host: String) -> [String]) {
        self.lookup = lookup
    }

    /// The system's resolver (`getaddrinfo`: the hosts file, then DNS).
    public static let system = HostResolver(lookup: systemLookup)

    private static func systemLookup(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &results) == 0, let first = results else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let text = numericHost(entry.pointee.ai_addr, length: entry.pointee.ai_addrlen), !addresses.contains(text) {
                addresses.append(text)
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    private static func numericHost(_ address: UnsafeMutablePointer<sockaddr>?, length: socklen_t) -> String? {
        guard let address else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            return nil
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
