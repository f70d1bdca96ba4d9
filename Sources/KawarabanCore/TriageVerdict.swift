/// What triage thought of an item from its title and summary, before anything was spent on it.
public struct TriageVerdict: Sendable, Hashable, Codable {
    public static let worthRange = 1...5

    public var aboutAI: Bool
    /// Whether it is worth a reader's time, from 1 to 5.
    public var worth: Int
    /// One line saying why.
    public var reason: String

    public init(aboutAI: Bool, worth: Int, reason: String) {
        self.aboutAI = aboutAI
        self.worth = worth
        self.reason = reason
    }
}

/// FNV-1a, 64 bits: a short, stable key for text, for lookups that compare the text itself
/// afterwards (a feed can craft a collision, so a match on the hash alone proves nothing).
public enum FNV1a {
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
