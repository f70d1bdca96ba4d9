import Logging
import ServiceLifecycle
import Store

/// Follows the store's log of changes (`site_changes`), written by whichever process published,
/// unpublished or rewrote an item, and drops the cached pages each change touches. One cheap
/// indexed read per interval whatever the traffic; a page may be stale for that long after a change.
public struct SiteChangeWatcher: Service {
    /// How often the log is read.
    public static let pollInterval: Duration = .seconds(1)
    /// Changes read at once. A burst larger than this (a glossary rewrite of the whole archive)
    /// empties the cache instead of working out each change's pages.
    static let changesPerPoll = 500

    let store: Store
    let cache: RenderedPageCache
    let logger: Logger

    public init(store: Store, cache: RenderedPageCache, logger: Logger) {
        self.store = store
        self.cache = cache
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await watch() }
    }

    private func watch() async {
        var lastSeen: Int64?
        while !Task.isCancelled {
            if let seen = lastSeen {
                lastSeen = await poll(after: seen)
            } else {
                // Until the log's end is known, no change can be told apart from older ones:
                // whatever was cached meanwhile goes.
                lastSeen = try? await store.latestSiteChangeID()
                if lastSeen != nil { cache.invalidateAll() }
            }
            do { try await Task.sleep(for: Self.pollInterval) } catch { return }
        }
    }

    /// Drops the pages the changes after `id` touch; returns the id of the last change handled.
    /// When the log cannot be read the whole cache goes, so that nothing stale outlives the outage.
    public func poll(after id: Int64) async -> Int64 {
        do {
            let changes = try await store.siteChanges(after: id, limit: Self.changesPerPoll)
            guard let newest = changes.last?.id else { return id }
            if changes.count == Self.changesPerPoll {
                let latest = try await store.latestSiteChangeID()
                cache.invalidateAll()
                return latest
            }
            // A rewrite may have renamed tags: the pages of the old ones listed the item too.
            var touched = Set(changes.flatMap(\.previousTags).map(PageDependency.tag))
            // A written digest changes the digests' pages and every article's 今日のまとめ, and nothing
            // an item's own change would: the article it carries lists nothing new.
            let digested = changes.filter { $0.kind == .digested }
            if !digested.isEmpty { touched.insert(.digests) }
            for itemID in Set(changes.filter { $0.kind != .digested }.map(\.itemID)) {
                touched.formUnion(PageDependency.touched(
                    byChangeOf: itemID, topics: try await store.topics(ofItem: itemID),
                    neighbours: try await store.neighbours(ofItem: itemID)))
            }
            let dropped = cache.invalidate(touched)
            logger.debug("pages invalidated", metadata: ["changes": "\(changes.count)", "pages": "\(dropped)"])
            return newest
        } catch {
            logger.warning("the site's change log could not be read; every cached page dropped", metadata: ["error": "\(error)"])
            cache.invalidateAll()
            return id
        }
    }
}
