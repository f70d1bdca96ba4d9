import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A page as the site rendered it, kept with its gzip and brotli forms and the headers of each, so
/// that answering from the cache builds nothing but the response value.
final class CachedPage: Sendable {
    struct Representation: Sendable {
        let headers: HTTPFields
        let body: ByteBuffer
        let etag: String
    }

    let status: HTTPResponse.Status
    let identity: Representation
    let gzip: Representation?
    let brotli: Representation?
    /// Every tag of this page, each coding's, as `If-None-Match` may name any of them.
    private let etags: [String]
    /// Bytes held: the three bodies and a rough share for headers and bookkeeping.
    let cost: Int

    /// Headers the cache sets itself, dropped from what the handler answered.
    private static let replacedHeaders: [HTTPField.Name] = [.contentLength, .contentEncoding, .eTag, .vary, .transferEncoding]
    static let overhead = 512

    init(status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8]) {
        var common = headers
        for name in Self.replacedHeaders { common[name] = nil }
        common[.vary] = "Accept-Encoding"
        let tag = PageCompression.checksum(body)
        func representation(_ bytes: [UInt8], coding: String?, tagSuffix: String) -> Representation {
            var fields = common
            let etag = "\"\(tag)\(tagSuffix)\""
            fields[.eTag] = etag
            if let coding { fields[.contentEncoding] = coding }
            return Representation(headers: fields, body: ByteBuffer(bytes: bytes), etag: etag)
        }
        // A compressed form that is not smaller is not worth sending.
        func compressed(_ bytes: [UInt8]?, coding: String, tagSuffix: String) -> Representation? {
            guard let bytes, bytes.count < body.count else { return nil }
            return representation(bytes, coding: coding, tagSuffix: tagSuffix)
        }
        self.status = status
        identity = representation(body, coding: nil, tagSuffix: "")
        gzip = compressed(PageCompression.gzip(body), coding: "gzip", tagSuffix: "-gz")
        brotli = compressed(PageCompression.brotli(body), coding: "br", tagSuffix: "-br")
        etags = [identity, gzip, brotli].compactMap { $0?.etag }
        cost = Self.overhead + [identity, gzip, brotli].reduce(0) { $0 + ($1?.body.readableBytes ?? 0) }
    }

    /// The page in the coding the request accepts best, or 304 when the client holds it already.
    func response(to headers: HTTPFields) -> Response {
        let chosen: Representation = switch ContentCoding.preferred(by: headers[.acceptEncoding]) {
        case .brotli: brotli ?? gzip ?? identity
        case .gzip: gzip ?? identity
        case .identity: identity
        }
        if let condition = headers[.ifNoneMatch], status == .ok, matches(condition) {
            var fields = chosen.headers
            fields[.contentType] = nil
            fields[.contentEncoding] = nil
            return Response(status: .notModified, headers: fields)
        }
        return Response(status: status, headers: chosen.headers, body: ResponseBody(byteBuffer: chosen.body))
    }

    /// `If-None-Match`: `*`, or a list of tags, weak ones compared by their opaque part.
    private func matches(_ condition: String) -> Bool {
        condition.split(separator: ",").contains { candidate in
            var tag = candidate.drop { $0 == " " || $0 == "\t" }
            while let last = tag.last, last == " " || last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return etags.contains { $0 == tag }
        }
    }
}

/// Pages most recently used first, within a budget of bytes: inserting past the budget drops the
/// least recently used. Slots live in one array linked by index, so a hit moves a page to the
/// front without allocating.
struct LeastRecentlyUsedPages {
    private struct Slot {
        var key: String
        /// nil once the slot is free, so that a dropped page's memory goes at once.
        var page: CachedPage?
        var dependencies: Set<PageDependency>
        var cost: Int
        var newer: Int
        var older: Int
    }

    let budget: Int
    private(set) var bytes = 0
    private var slots: [Slot] = []
    private var index: [String: Int] = [:]
    private var freeSlots: [Int] = []
    private var newest = -1
    private var oldest = -1

    init(budget: Int) { self.budget = budget }

    var count: Int { index.count }

    mutating func page(for key: String) -> CachedPage? {
        guard let slot = index[key] else { return nil }
        unlink(slot)
        linkAsNewest(slot)
        return slots[slot].page
    }

    /// Stores the page unless it alone is over the budget; evicts the oldest until it fits.
    mutating func insert(_ page: CachedPage, for key: String, dependencies: Set<PageDependency>) {
        let cost = page.cost + key.utf8.count
        guard cost <= budget else { return }
        if let existing = index[key] { remove(existing) }
        while bytes + cost > budget, oldest >= 0 { remove(oldest) }
        let slot = Slot(key: key, page: page, dependencies: dependencies, cost: cost, newer: -1, older: -1)
        let position: Int
        if let free = freeSlots.popLast() {
            slots[free] = slot
            position = free
        } else {
            slots.append(slot)
            position = slots.count - 1
        }
        index[key] = position
        bytes += cost
        linkAsNewest(position)
    }

    /// Drops every page that depends on one of `touched`; returns how many.
    mutating func remove(dependingOnAnyOf touched: Set<PageDependency>) -> Int {
        let doomed = index.values.filter { !slots[$0].dependencies.isDisjoint(with: touched) }
        for slot in doomed { remove(slot) }
        return doomed.count
    }

    mutating func removeAll() {
        self = LeastRecentlyUsedPages(budget: budget)
    }

    private mutating func remove(_ slot: Int) {
        unlink(slot)
        index[slots[slot].key] = nil
        bytes -= slots[slot].cost
        slots[slot].page = nil
        slots[slot].dependencies = []
        slots[slot].key = ""
        freeSlots.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (slots[slot].newer, slots[slot].older)
        if newer >= 0 { slots[newer].older = older } else { newest = older }
        if older >= 0 { slots[older].newer = newer } else { oldest = newer }
    }

    private mutating func linkAsNewest(_ slot: Int) {
        slots[slot].newer = -1
        slots[slot].older = newest
        if newest >= 0 { slots[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}

/// The site's rendered pages in memory, shared by every request of the process. Found pages
/// (and redirects) and not-found pages have separate budgets, so that requests for addresses that
/// do not exist, which anyone can invent without end, never push a real page out.
public final class RenderedPageCache: Sendable {
    /// Rendered pages held at most, counting their compressed forms: every article page of a large
    /// site in three codings, well within a small server's memory.
    public static let pageBudget = 64 << 20
    /// Not-found pages held at most.
    public static let notFoundBudget = 4 << 20

    private struct State {
        var pages = LeastRecentlyUsedPages(budget: RenderedPageCache.pageBudget)
        var notFound = LeastRecentlyUsedPages(budget: RenderedPageCache.notFoundBudget)
        /// Counts invalidations, so that a page rendered before one is not stored after it.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    func page(for key: String) -> CachedPage? {
        state.withLock { $0.pages.page(for: key) ?? $0.notFound.page(for: key) }
    }

    /// Taken before rendering and handed to `insert`.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Stores a page rendered when the cache was at `generation`, unless something was invalidated
    /// since: the page may show what changed.
    func insert(_ page: CachedPage, for key: String, dependencies: Set<PageDependency>, renderedAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if page.status == .notFound {
                state.notFound.insert(page, for: key, dependencies: dependencies)
            } else {
                state.pages.insert(page, for: key, dependencies: dependencies)
            }
        }
    }

    /// Drops every page that depends on one of `touched`; returns how many.
    @discardableResult
    public func invalidate(_ touched: Set<PageDependency>) -> Int {
        guard !touched.isEmpty else { return 0 }
        return state.withLock { state in
            state.generation &+= 1
            return state.pages.remove(dependingOnAnyOf: touched) + state.notFound.remove(dependingOnAnyOf: touched)
        }
    }

    public func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.pages.removeAll()
            state.notFound.removeAll()
        }
    }

    /// Pages held and the bytes they take, for the log.
    public var usage: (pages: Int, bytes: Int) {
        state.withLock { ($0.pages.count + $0.notFound.count, $0.pages.bytes + $0.notFound.bytes) }
    }
}
