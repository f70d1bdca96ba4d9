import Foundation

/// A MinHash of an article's character shingles: `hashCount` minimum hash values, one per hash
/// function, kept as a short text for a TEXT column. The share of equal positions in two
/// signatures estimates the Jaccard similarity of the two articles' shingle sets, across
/// languages and scripts, in constant space and time.
public struct StorySignature: Sendable, Hashable {
    /// Hash functions: an estimate's standard error is about 1/sqrt(64) = 0.125 at worst and far
    /// less near 0, where most pairs lie; the stored text stays near 500 characters.
    static let hashCount = 64
    /// The stored form's prefix; another shingling or hashing gets another version.
    static let version = "m1:"
    static let hexDigitsPerValue = 8

    let minimums: [UInt32]

    init(minimums: [UInt32]) {
        precondition(minimums.count == Self.hashCount)
        self.minimums = minimums
    }

    /// A signature read back from `storedValue`; nil for anything else (another version, a damaged value).
    public init?(storedValue: String) {
        guard storedValue.hasPrefix(Self.version) else { return nil }
        let digits = Array(storedValue.utf8.dropFirst(Self.version.utf8.count))
        guard digits.count == Self.hashCount * Self.hexDigitsPerValue,
              digits.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }) else { return nil }
        var minimums: [UInt32] = []
        minimums.reserveCapacity(Self.hashCount)
        for start in stride(from: 0, to: digits.count, by: Self.hexDigitsPerValue) {
            guard let value = UInt32(String(decoding: digits[start..<start + Self.hexDigitsPerValue], as: UTF8.self), radix: 16)
            else { return nil }
            minimums.append(value)
        }
        self.minimums = minimums
    }

    var isEmpty: Bool { minimums.allSatisfy { $0 == .max } }

    /// "m1:" and 64 values of eight hex digits.
    public var storedValue: String {
        Self.version + minimums.map { value in
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: Self.hexDigitsPerValue - hex.count) + hex
        }.joined()
    }

    /// The estimated Jaccard similarity of the two shingle sets, from 0 to 1; 0 when either
    /// article had no letters, since two empty texts share nothing to report.
    func similarity(to other: StorySignature) -> Double {
        guard !isEmpty, !other.isEmpty else { return 0 }
        let equal = zip(minimums, other.minimums).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(equal) / Double(Self.hashCount)
    }

    /// The signature of a set of shingle hashes: for each hash function the smallest value.
    /// An empty set (an article with no letters) gets the all-ones signature.
    init(shingleHashes: Set<UInt64>) {
        var minimums = [UInt32](repeating: .max, count: Self.hashCount)
        for hash in shingleHashes {
            for index in 0..<Self.hashCount {
                let value = UInt32(truncatingIfNeeded: Self.mixed(hash ^ Self.seeds[index]) >> 32)
                if value < minimums[index] { minimums[index] = value }
            }
        }
        self.init(minimums: minimums)
    }

    /// One seed per hash function, fixed so that stored signatures stay comparable.
    static let seeds: [UInt64] = (0..<UInt64(hashCount)).map { mixed(0x9e37_79b9_7f4a_7c15 &* ($0 + 1)) }

    /// SplitMix64's finaliser: every input bit changes about half the output bits.
    static func mixed(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
