import Foundation
import KawarabanCore
import Logging
import ServiceLifecycle
import Store

/// Writes one digest slot exactly once among any number of processes: the slot's row is claimed
/// under a lease on the database's clock, the composer runs while the lease is renewed, and the
/// digest is stored only if this worker still holds the claim. A worker that crashes mid-digest
/// leaves a claim that runs out, and the next pass of any scheduler takes it over.
public struct DigestWriter: Sendable {
    /// A claim's lease; renewed every third of it while the composer runs, so that a slow model
    /// keeps the slot and a crashed worker's slot is free again within this.
    public static let lease: TimeInterval = 120
    /// When a slot whose composing failed for a passing reason (the model was down, the day's
    /// token budget spent) is tried again: 15 minutes, then 30, 60… up to 8 hours, so that the
    /// claims below outlast a budget that resets at midnight.
    public static let retry = DigestRetry(first: 900, longest: 8 * 3600)
    /// Claims a slot may take without being written: each transient failure and each crash uses
    /// one, and a slot that keeps failing is then left failed for `kawaraban digest`.
    public static let maximumClaims = 8

    public enum Outcome: Sendable, Equatable {
        case written(Digest)
        /// Written, failed for good, held by another worker, or waiting for its retry.
        case notClaimed
        case failed(reason: String)
        /// Another worker took the slot over after this one's lease ran out.
        case lost
    }

    let store: Store
    let owner: String
    let lease: TimeInterval
    let logger: Logger

    public init(store: Store, owner: String = Worker.makeOwnerID(), lease: TimeInterval = DigestWriter.lease, logger: Logger) {
        self.store = store
        self.owner = owner
        self.lease = lease
        self.logger = logger
    }

    var claimLimit: ClaimLimit {
        ClaimLimit(claims: Self.maximumClaims, reason: "not written after \(Self.maximumClaims) claims")
    }

    private enum Finished: Sendable {
        case composed(Result<Digest, DigestError>)
        case leaseLost
    }

    /// Claims `slot` and, when this worker got it, composes and stores it.
    public func write(_ slot: DigestSlot, with composer: any DigestComposer, now: Date) async throws(StoreError) -> Outcome {
        guard try await store.claimDigestSlot(slot, owner: owner, lease: lease, limit: claimLimit) else { return .notClaimed }
        let finished = await withTaskGroup(of: Finished.self) { group in
            group.addTask {
                do throws(DigestError) {
                    return .composed(.success(try await composer.compose(slot, now: now)))
                } catch {
                    return .composed(.failure(error))
                }
            }
            group.addTask { await keepLease(on: slot) }
            let first = await group.next() ?? .leaseLost
            group.cancelAll()
            return first
        }
        switch finished {
        case .leaseLost:
            return .lost
        case .composed(.success(let digest)):
            guard try await store.completeDigest(digest, owner: owner, now: now) else { return .lost }
            logger.info("digest written", metadata: ["slot": "\(slot)", "entries": "\(digest.itemIDs.count)",
                                                     "model": "\(digest.model ?? "none")"])
            return .written(digest)
        case .composed(.failure(let error)):
            logger.warning("digest failed", metadata: ["slot": "\(slot)", "reason": "\(error.reason)",
                                                       "transient": "\(error.isTransient)"])
            guard try await store.recordDigestFailure(slot, owner: owner, reason: error.reason,
                                                      retry: error.isTransient ? Self.retry : nil)
            else { return .lost }
            return .failed(reason: error.reason)
        }
    }

    /// Renews the lease every third of it until cancelled; returns when the claim was lost or
    /// could not be renewed, which stops the composer.
    private func keepLease(on slot: DigestSlot) async -> Finished {
        while true {
            do {
                try await Task.sleep(for: .seconds(lease / 3))
            } catch {
                return .leaseLost
            }
            do {
                guard try await store.extendDigestLease(slot, owner: owner, lease: lease) else { return .leaseLost }
            } catch {
                logger.warning("digest lease not renewed", metadata: ["slot": "\(slot)", "reason": "\(error)"])
                return .leaseLost
            }
        }
    }
}

/// Every minute, and once at start, writes each due digest slot not yet written, going back
/// `DigestSchedule.catchUpDays` (a server down at the digest time catches up when it starts) but
/// never before the database's first item. Each kind is written by its composer; any number of
/// processes may run this, the slot's claim keeping each digest to one writer.
public struct DigestScheduler: Service {
    public static let period: Duration = .seconds(60)

    let writer: DigestWriter
    let composers: [any DigestComposer]
    let schedule: DigestSchedule
    let logger: Logger

    public init(writer: DigestWriter, composers: [any DigestComposer], schedule: DigestSchedule, logger: Logger) {
        self.writer = writer
        self.composers = composers
        self.schedule = schedule
        self.logger = logger
    }

    /// One pass at `now`: the slots this process wrote, oldest due first per kind.
    @discardableResult
    public func runPass(now: Date) async throws(StoreError) -> [DigestSlot] {
        let due = schedule.dueSlots(kinds: composers.map(\.kind), now: now, firstItem: try await writer.store.firstDiscovery())
        var written: [DigestSlot] = []
        for slot in try await writer.store.openDigestSlots(among: due).reversed() {
            guard let composer = composers.first(where: { $0.kind == slot.kind }) else { continue }
            if case .written = try await writer.write(slot, with: composer, now: now) { written.append(slot) }
        }
        return written
    }

    public func run() async throws {
        try await untilShutdown {
            while !Task.isCancelled {
                do {
                    try await runPass(now: Date())
                } catch {
                    logger.error("digest pass failed: \(error)")
                }
                try await Task.sleep(for: Self.period)
            }
        }
    }
}
