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
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src https: http:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The site map. Each page's handler, view model and query call live in Sections/.
    public static func router(store: Store, renderer: SiteRenderer) throws -> Router<BasicRequestContext> {
        let pages = SitePages(store: store, renderer: renderer)
        let stylesheet = try loadAsset("site.css")
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: NotFoundPageMiddleware(renderer: renderer))

        router.get("/") { try await pages.latest($0, $1) }
        router.get("/articles/:id") { try await pages.article($0, $1) }
        router.get("/feed.xml") { try await pages.feed($0, $1) }
        router.get("/search") { try await pages.search($0, $1) }
        router.get("/assets/site.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: assetCacheControl],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: stylesheet)))
        }
        router.get("/healthz") { _, _ -> String in "ok" }
        return router
    }

    public static func application(
        store: Store, renderer: SiteRenderer, host: String, port: Int, logger: Logger
    ) throws -> some ApplicationProtocol {
        Application(
            router: try router(store: store, renderer: renderer),
            configuration: .init(address: .hostname(host, port: port), serverName: "Kawaraban"),
            logger: logger)
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
