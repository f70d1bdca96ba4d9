import Foundation
import Logging
import Store

/// How long stored pages of failed items are kept. A page is kept after a failure so that the
/// failure can be inspected; after `days` it is dropped, and the item with its reason stays.
public struct Retention: Sendable {
    public static let defaultDays = 30
    static let secondsPerDay: TimeInterval = 86_400

    public let store: Store
    public let days: Int

    public init(store: Store, days: Int) {
        self.store = store
        self.days = days
    }

    /// Items failed, or last changed, before this are past keeping.
    public func cutoff(now: Date) -> Date {
        now.addingTimeInterval(-TimeInterval(days) * Self.secondsPerDay)
    }

    /// Drops what is past keeping now.
    public func prune(now: Date) async throws(StoreError) -> DroppedPages {
        try await store.dropStoredPages(ofFailedItemsChangedBefore: cutoff(now: now))
    }

    /// One pass for the scheduler: logged, and a failure never stops collection.
    func pruneLogging(now: Date, logger: Logger) async {
        do {
            let dropped = try await prune(now: now)
            if dropped.items > 0 {
                logger.info("dropped stored pages of failed items", metadata: [
                    "items": "\(dropped.items)", "bytes": "\(dropped.bytes)", "older_than_days": "\(days)",
                ])
            }
        } catch {
            logger.error("dropping stored pages failed: \(error)")
        }
    }
}

extension Services {
    public func retention() -> Retention {
        Retention(store: store, days: settings.retentionDays)
    }
}
