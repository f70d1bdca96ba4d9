import Foundation
import HTTPTypes
import Hummingbird
import KawarabanCore
import Logging
import Store

/// The reader's site: the route table, security headers and the few static assets.
public enum SiteApplication {
    /// Readers' pages change at most once per collection; a short cache keeps the server idle.
    static let pageCacheControl = "public, max-age=60"
    static let assetCacheControl = "public, max-age=86400"
    /// Forms submit to the site itself (the list's filters); the only frame is a video item's
    /// player on YouTube's privacy-enhanced domain.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src https: http:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; frame-src https://www.youtube-nocookie.com"

    /// The site map. Each page's handler, view model and query call live in Sections/.
    public static func router(store: Store, renderer: SiteRenderer) throws -> Router<BasicRequestContext> {
        let pages = SitePages(store: store, renderer: renderer)
        let stylesheet = try loadAsset("site.css")
        let icon = try loadAsset("favicon.svg")
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: NotFoundPageMiddleware(renderer: renderer))

        router.get("/") { try await pages.latest($0, $1) }
        router.get("/articles/:id") { try await pages.article($0, $1) }
        router.get("/tags") { try await pages.tags($0, $1) }
        router.get("/tags/:tag") { try await pages.tag($0, $1) }
        router.get("/videos") { try await pages.videos($0, $1) }
        router.get("/companies") { try await pages.entityIndex(.companies, $0, $1) }
        router.get("/companies/:id") { try await pages.entityPage(.companies, $0, $1) }
        router.get("/tools") { try await pages.entityIndex(.tools, $0, $1) }
        router.get("/tools/:id") { try await pages.entityPage(.tools, $0, $1) }
        router.get("/trends") { try await pages.trends($0, $1) }
        router.get("/search") { try await pages.search($0, $1) }
        for kind in DigestKind.allCases {
            router.get(RouterPath(kind.archivePath)) { try await pages.digestArchive(kind, $0, $1) }
            router.get(RouterPath("\(kind.archivePath)/:key")) { try await pages.digestOrPeriod(kind, $0, $1) }
            for format in FeedFormat.allCases {
                router.get(RouterPath("\(kind.archivePath)/feed.\(format.fileExtension)")) { try await pages.digestFeed(kind, format, $0, $1) }
            }
        }
        for format in FeedFormat.allCases {
            router.get(RouterPath("/feed.\(format.fileExtension)")) { try await pages.latestFeed(format, $0, $1) }
            router.get(RouterPath("/tags/:tag/feed.\(format.fileExtension)")) { try await pages.tagFeed(format, $0, $1) }
            router.get(RouterPath("/companies/:id/feed.\(format.fileExtension)")) { try await pages.companyFeed(format, $0, $1) }
        }
        router.get("/sitemap.xml") { try await pages.sitemap($0, $1) }
        router.get("/sitemaps/:part") { try await pages.sitemapPart($0, $1) }
        router.get("/robots.txt") { try await pages.robots($0, $1) }
        for page in InfoPage.allCases {
            router.get(RouterPath(page.path)) { try await pages.info(page, $0, $1) }
        }
        router.get("/assets/site.css") { _, _ in assetResponse(stylesheet, type: "text/css; charset=utf-8") }
        router.get("/assets/favicon.svg") { _, _ in assetResponse(icon, type: "image/svg+xml") }
        router.get("/healthz") { _, _ -> String in "ok" }
        return router
    }

    /// The router behind the rendered-page cache (Serving/): what the server answers with.
    public static func responder(store: Store, renderer: SiteRenderer,
                                 cache: RenderedPageCache) throws -> some HTTPResponder<BasicRequestContext> {
        CachingResponder(inner: try router(store: store, renderer: renderer).buildResponder(), cache: cache, store: store)
    }

    /// The site and the watcher that keeps its cached pages current.
    public static func application(
        store: Store, renderer: SiteRenderer, host: String, port: Int, logger: Logger
    ) throws -> some ApplicationProtocol {
        let cache = RenderedPageCache()
        return Application(
            responder: try responder(store: store, renderer: renderer, cache: cache),
            configuration: .init(address: .hostname(host, port: port), serverName: "Kawaraban"),
            services: [SiteChangeWatcher(store: store, cache: cache, logger: logger)],
            logger: logger)
    }

    private static func assetResponse(_ bytes: [UInt8], type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: assetCacheControl],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func loadAsset(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Assets/\(name)", withExtension: nil) else {
            throw SiteError.templatesMissing("Assets/\(name)")
        }
        return Array(try Data(contentsOf: url))
    }
}

/// What every page's handler reads from and renders with.
struct SitePages: Sendable {
    let store: Store
    let renderer: SiteRenderer

    static func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: SiteApplication.pageCacheControl],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Answers every address that names no page, unknown paths included, with the site's not-found page.
struct NotFoundPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: SiteRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return SitePages.htmlResponse(try renderer.notFoundPage(), status: .notFound)
        }
    }
}

/// Headers that keep a page safe even if something unexpected slipped into its HTML.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = SiteApplication.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "strict-origin-when-cross-origin"
        return response
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
