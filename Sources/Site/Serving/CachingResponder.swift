import HTTPTypes
import Hummingbird
import NIOCore
import Store

/// Answers GET (and HEAD) requests from the rendered-page cache before the router sees them; a miss goes
/// through the router, and what it answered (a page, a redirect or the not-found page) is
/// compressed and kept under the request's `PageKey` with the dependencies `PageRule` gives.
struct CachingResponder<Inner: HTTPResponder>: HTTPResponder {
    let inner: Inner
    let cache: RenderedPageCache
    let store: Store

    /// Statuses whose answer depends only on the address and the data: kept.
    static func isCacheable(_ status: HTTPResponse.Status) -> Bool {
        status == .ok || status == .movedPermanently || status == .notFound
    }

    @Sendable func respond(to request: Request, context: Inner.Context) async throws -> Response {
        if request.method == .head {
            // Link checkers and crawlers ask with HEAD: the GET's status and headers, no body.
            var head = request.head
            head.method = .get
            let response = try await respond(to: Request(head: head, body: request.body), context: context)
            return Response(status: response.status, headers: response.headers)
        }
        guard request.method == .get else { return try await inner.respond(to: request, context: context) }
        let key = PageKey.of(request.uri.string)
        if let page = cache.page(for: key) { return page.response(to: request.headers) }

        let rule = PageRule(path: request.uri.path[...])
        guard rule != .uncached else { return try await inner.respond(to: request, context: context) }
        let generation = cache.generation
        let response = try await inner.respond(to: request, context: context)
        guard Self.isCacheable(response.status) else { return response }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let page = CachedPage(status: response.status, headers: response.headers, body: collector.bytes)
        let dependencies: Set<PageDependency> = switch rule {
        case .fixed(let dependencies): dependencies
        case .article(let id): PageDependency.ofArticle(id, topics: try await store.topics(ofItem: id))
        case .uncached: []
        }
        cache.insert(page, for: key, dependencies: dependencies, renderedAt: generation)
        return page.response(to: request.headers)
    }
}

/// Gathers a response body the handler wrote, to keep it.
private final class BodyCollector: ResponseBodyWriter {
    private(set) var bytes: [UInt8] = []

    func write(_ buffer: ByteBuffer) async throws {
        bytes.append(contentsOf: buffer.readableBytesView)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
