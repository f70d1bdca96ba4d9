import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Refuses addresses that lead into private networks, so a feed cannot make us probe them.
enum AddressGuard {
    /// True when the host is written as an IPv4 or IPv6 address rather than a name.
    static func isLiteral(_ host: String) -> Bool {
        ipv4Bytes(host) != nil || ipv6Bytes(host) != nil
    }

    /// True for loopback, private, link-local, CGNAT, multicast, unspecified, reserved,
    /// IPv4-mapped, NAT64, 6to4, Teredo and site-local addresses.
    static func isBlocked(_ address: String) -> Bool {
        if let v4 = ipv4Bytes(address) { return isBlockedIPv4(v4) }
        if let v6 = ipv6Bytes(address) { return isBlockedIPv6(v6) }
        return true
    }

    private static func isBlockedIPv4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true
        case (100, 64...127): return true
        case (169, 254): return true
        case (172, 16...31): return true
        case (192, 168): return true
        case (192, 0) where b[2] == 0 || b[2] == 2: return true
        case (198, 18...19): return true
        case (198, 51) where b[2] == 100: return true
        case (203, 0) where b[2] == 113: return true
        case (224...255, _): return true
        default: return false
        }
    }

    private static func isBlockedIPv6(_ b: [UInt8]) -> Bool {
        let allZeroPrefix = b[0..<10].allSatisfy { $0 == 0 }
        if allZeroPrefix && b[10] == 0 && b[11] == 0 { return true }               // ::, ::1 and IPv4-compatible
        if allZeroPrefix && b[10] == 0xff && b[11] == 0xff { return true }         // IPv4-mapped
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b { return true } // NAT64
        // 6to4 and Teredo carry an IPv4 address inside, which may be a private one.
        if b[0] == 0x20 && b[1] == 0x02 { return true }                            // 6to4
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00 { return true } // Teredo
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return true }                     // site-local (deprecated)
        if b[0] & 0xfe == 0xfc { return true }                                     // unique local
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return true }                     // link-local
        if b[0] == 0xff { return true }                                            // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return true } // documentation
        return false
    }

    private static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        let withoutZone = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        guard inet_pton(AF_INET6, withoutZone, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
