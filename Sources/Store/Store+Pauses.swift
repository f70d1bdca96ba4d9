import Foundation
import KawarabanCore
import SQLKit

/// The LLM circuit as stored: one row every process reads and writes, so that a pause decided by
/// one worker holds for all of them and `status` can show it. The pipeline decides the values;
/// the store only keeps them and refuses a write based on a state that has changed since it was read.
public struct LLMCircuitState: Sendable, Hashable, Codable {
    /// Transient LLM failures since the last answer.
    public var consecutiveFailures: Int
    /// Pauses in a row without an answer between them; the next pause grows with it.
    public var pauses: Int
    /// When the LLM stages stopped; nil while they run.
    public var pausedSince: Date?
    /// When one call may try the provider again.
    public var nextProbeAt: Date?
    /// The worker making that one call, and until when it may.
    public var probeOwner: String?
    public var probeUntil: Date?
    public var lastSuccessAt: Date?
    public var lastError: String?

    public init(consecutiveFailures: Int = 0, pauses: Int = 0, pausedSince: Date? = nil, nextProbeAt: Date? = nil,
                probeOwner: String? = nil, probeUntil: Date? = nil, lastSuccessAt: Date? = nil, lastError: String? = nil) {
        self.consecutiveFailures = consecutiveFailures
        self.pauses = pauses
        self.pausedSince = pausedSince
        self.nextProbeAt = nextProbeAt
        self.probeOwner = probeOwner
        self.probeUntil = probeUntil
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
    }

    public var isPaused: Bool { pausedSince != nil }
}

/// A stored circuit state and the version it was read at.
public struct VersionedLLMCircuit: Sendable, Hashable {
    public var state: LLMCircuitState
    public var version: Int
}

extension Store {
    static let llmCircuitName = "llm"

    public func llmCircuit() async throws(StoreError) -> VersionedLLMCircuit {
        try await translatingErrors("reading the LLM circuit") {
            guard let row = try await database.raw("""
                SELECT version, consecutive_failures, pauses, paused_since, next_probe_at, probe_owner, probe_until,
                    last_success_at, last_error
                FROM llm_circuit WHERE name = \(bind: Self.llmCircuitName)
                """).first()
            else { throw StoreError.notFound("the LLM circuit row") }
            func date(_ column: String) throws -> Date? {
                try row.decode(column: column, as: Double?.self).map(Date.init(stored:))
            }
            let state = LLMCircuitState(
                consecutiveFailures: try row.decode(column: "consecutive_failures", as: Int.self),
                pauses: try row.decode(column: "pauses", as: Int.self),
                pausedSince: try date("paused_since"), nextProbeAt: try date("next_probe_at"),
                probeOwner: try row.decode(column: "probe_owner", as: String?.self), probeUntil: try date("probe_until"),
                lastSuccessAt: try date("last_success_at"), lastError: try row.decode(column: "last_error", as: String?.self))
            return VersionedLLMCircuit(state: state, version: try row.decode(column: "version", as: Int.self))
        }
    }

    /// Stores `state` if the circuit is still at `version`; false when another process wrote first,
    /// so that the caller decides again from what is stored now instead of overwriting it.
    public func replaceLLMCircuit(_ state: LLMCircuitState, ifVersion version: Int) async throws(StoreError) -> Bool {
        try await translatingErrors("updating the LLM circuit") {
            try await database.raw("""
                UPDATE llm_circuit SET version = version + 1, consecutive_failures = \(bind: state.consecutiveFailures),
                    pauses = \(bind: state.pauses), paused_since = \(bind: state.pausedSince?.storedValue),
                    next_probe_at = \(bind: state.nextProbeAt?.storedValue), probe_owner = \(bind: state.probeOwner),
                    probe_until = \(bind: state.probeUntil?.storedValue),
                    last_success_at = \(bind: state.lastSuccessAt?.storedValue), last_error = \(bind: state.lastError)
                WHERE name = \(bind: Self.llmCircuitName) AND version = \(bind: version)
                RETURNING version
                """).first() != nil
        }
    }

    /// When the item was last written (advanced, failed or deferred); claims and leases do not count.
    public func lastChange(ofItem itemID: Int64) async throws(StoreError) -> Date? {
        try await translatingErrors("reading when item \(itemID) last changed") {
            try await database.raw("SELECT updated_at FROM items WHERE id = \(bind: itemID)").first()
                .map { Date(stored: try $0.decode(column: "updated_at", as: Double.self)) }
        }
    }

    /// Lets a held item go back to its stage without counting an attempt: the step failed for a
    /// reason outside the item (the LLM provider was down). It waits `retryAfter` seconds by the
    /// database's clock, as every retry does, and a claim count starts over. Refused
    /// (false) when `owner` no longer holds it.
    public func deferItem(_ itemID: Int64, owner: String, reason: String, retryAfter: TimeInterval, now: Date) async throws(StoreError) -> Bool {
        try await translatingErrors("deferring item \(itemID)") {
            try await database.raw("""
                UPDATE items SET last_error = \(bind: StoredText.lines(reason)), \(Self.release),
                    next_attempt_at = \(unsafeRaw: dialect.now) + \(bind: retryAfter), updated_at = \(bind: now.storedValue)
                WHERE id = \(bind: itemID) AND lease_owner = \(bind: owner) RETURNING id
                """).first() != nil
        }
    }
}
