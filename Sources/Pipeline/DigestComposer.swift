import Foundation
import KawarabanCore

/// Why a digest could not be written for its slot; recorded on the slot's row.
public struct DigestError: Error, Sendable, CustomStringConvertible {
    public var slot: DigestSlot
    public var reason: String
    /// A failure worth trying again later (the model or the store was unavailable).
    public var isTransient: Bool

    public init(slot: DigestSlot, reason: String, isTransient: Bool) {
        self.slot = slot
        self.reason = reason
        self.isTransient = isTransient
    }

    public var description: String { "digest \(slot) could not be written: \(reason)" }
}

/// Writes one kind of digest for a slot from what the store holds (and, for Hacker日報, what
/// Hacker News's API says). The slot machinery claims the slot, calls `compose` and stores the result.
public protocol DigestComposer: Sendable {
    var kind: DigestKind { get }
    func compose(_ slot: DigestSlot, now: Date) async throws(DigestError) -> Digest
}
