import Foundation
import HTTPTypes
import Hummingbird
import KawarabanCore
import Logging
import Store

/// The reader's site: routes, security headers and the few static assets.
public enum SiteApplication {
    /// Readers' pages change at most once per collection; a short cache keeps the server idle.
    static let pageCacheControl = "public, max-age=60"
    static let assetCacheControl = "public, max-age=86400"
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src https: http:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    public static func router(store: Store, renderer: SiteRenderer) throws -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware())
        let stylesheet = try loadAsset("site.css")

        router.get("/") { request, _ -> Response in
            let page = max(1, request.uri.queryParameters.get("page", as: Int.self) ?? 1)
            let limit = SiteConfiguration.itemsPerPage
            // One extra row tells whether an older page exists.
            let items = try await store.publishedItems(limit: limit + 1, offset: (page - 1) * limit)
            let html = try renderer.latestPage(items: Array(items.prefix(limit)), page: page, hasOlder: items.count > limit)
            return htmlResponse(html)
        }
        router.get("/articles/:id") { _, context -> Response in
            guard let id = context.parameters.get("id", as: Int64.self),
                  let item = try await store.item(id: id), item.stage == .published,
                  let html = try renderer.articlePage(item: item, carriers: try await store.carriers(of: id))
            else { return htmlResponse(try renderer.notFoundPage(), status: .notFound) }
            return htmlResponse(html)
        }
        router.get("/assets/site.css") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: assetCacheControl],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: stylesheet)))
        }
        router.get("/feed.xml") { _, _ -> Response in
            let items = try await store.publishedItems(limit: RSSFeed.itemCount, offset: 0)
            return Response(
                status: .ok,
                headers: [.contentType: "application/rss+xml; charset=utf-8", .cacheControl: pageCacheControl],
                body: ResponseBody(byteBuffer: ByteBuffer(string: RSSFeed.render(items: items, configuration: renderer.configuration))))
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

    private static func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: pageCacheControl],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private static func loadAsset(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Assets/\(name)", withExtension: nil) else {
            throw SiteError.templatesMissing("Assets/\(name)")
        }
        return Array(try Data(contentsOf: url))
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
