import Foundation
import Hummingbird
import KawarabanCore
import Store

// What crawlers read: the site map of every published article, tag and company page and every
// written digest, and robots.txt pointing at it. Past `SiteConfiguration.sitemapURLsPerFile` addresses (the
// protocol's 50,000) the site map becomes an index of parts (`/sitemaps/<n>.xml`).

enum Sitemap {
    static let namespace = "http://www.sitemaps.org/schemas/sitemap/0.9"
    static let mediaType = "application/xml; charset=utf-8"
    static let partSuffix = ".xml"

    static func partPath(_ number: Int) -> String { "/sitemaps/\(number)\(partSuffix)" }

    static func urlset(_ urls: [(loc: String, lastmod: Date?)]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"\(namespace)\">\n"
        for url in urls {
            let lastmod = url.lastmod.map { "<lastmod>\(FeedDates.rfc3339($0))</lastmod>" } ?? ""
            xml += "<url><loc>\(XMLEscaping.escape(url.loc))</loc>\(lastmod)</url>\n"
        }
        return xml + "</urlset>\n"
    }

    static func index(_ parts: [String]) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"\(namespace)\">\n"
            + parts.map { "<sitemap><loc>\(XMLEscaping.escape($0))</loc></sitemap>\n" }.joined()
            + "</sitemapindex>\n"
    }
}

extension SitePages {
    /// `/sitemap.xml`: every address when they fit one file, else the index of the parts.
    func sitemap(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let counts = try await store.sitemapCounts(entityKinds: Self.companyKinds)
        let perFile = renderer.configuration.sitemapURLsPerFile
        guard counts.total > perFile else {
            return Self.sitemapResponse(Sitemap.urlset(try await sitemapURLs(0..<counts.total, counts: counts)))
        }
        let parts = (counts.total + perFile - 1) / perFile
        return Self.sitemapResponse(Sitemap.index((1...parts).map { renderer.absolute(Sitemap.partPath($0)) }))
    }

    /// `/sitemaps/<n>.xml`, which exist only while the site map is an index.
    func sitemapPart(_ request: Request, _ context: some RequestContext) async throws -> Response {
        guard let name = context.parameters.get("part"), name.hasSuffix(Sitemap.partSuffix),
              let number = URLNumber.parse(name.dropLast(Sitemap.partSuffix.count), in: URLNumber.pages)
        else { throw HTTPError(.notFound) }
        let counts = try await store.sitemapCounts(entityKinds: Self.companyKinds)
        let perFile = renderer.configuration.sitemapURLsPerFile
        let start = (number - 1) * perFile
        guard counts.total > perFile, start < counts.total else { throw HTTPError(.notFound) }
        return Self.sitemapResponse(Sitemap.urlset(try await sitemapURLs(start..<min(start + perFile, counts.total),
                                                                          counts: counts)))
    }

    /// `/robots.txt`: everything may be crawled; the site map says what there is.
    func robots(_ request: Request, _ context: some RequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: SiteApplication.pageCacheControl],
            body: ResponseBody(byteBuffer: ByteBuffer(
                string: "User-agent: *\nAllow: /\n\nSitemap: \(renderer.absolute("/sitemap.xml"))\n")))
    }

    /// The addresses at positions `range` of the whole list: articles by id, then tags, then
    /// companies, then digests. Each kind is read only for the part of `range` it covers.
    private func sitemapURLs(_ range: Range<Int>, counts: SitemapCounts) async throws -> [(loc: String, lastmod: Date?)] {
        func slice(startingAt first: Int, count: Int) -> Range<Int> {
            let overlap = range.clamped(to: first..<(first + count))
            return (overlap.lowerBound - first)..<(overlap.upperBound - first)
        }
        var urls: [(loc: String, lastmod: Date?)] = []
        let articles = slice(startingAt: 0, count: counts.articles)
        if !articles.isEmpty {
            urls += try await store.sitemapArticles(limit: articles.count, offset: articles.lowerBound).map {
                (renderer.absolute(Self.articlePath(id: $0.id, title: $0.originalTitle)), $0.modifiedAt)
            }
        }
        let tags = slice(startingAt: counts.articles, count: counts.tags)
        if !tags.isEmpty {
            urls += try await store.sitemapTags(limit: tags.count, offset: tags.lowerBound).map {
                (renderer.absolute(FeedScope.tag($0).pagePath), nil)
            }
        }
        let companies = slice(startingAt: counts.articles + counts.tags, count: counts.entities)
        if !companies.isEmpty {
            urls += try await store.sitemapEntities(ofKinds: Self.companyKinds, limit: companies.count,
                                                    offset: companies.lowerBound).map {
                (renderer.absolute(FeedScope.company(id: $0).pagePath), nil)
            }
        }
        let digests = slice(startingAt: counts.articles + counts.tags + counts.entities, count: counts.digests)
        if !digests.isEmpty {
            urls += try await store.sitemapDigests(limit: digests.count, offset: digests.lowerBound).map {
                (renderer.absolute($0.slot.kind.path($0.slot)), $0.writtenAt)
            }
        }
        return urls
    }

    private static func sitemapResponse(_ xml: String) -> Response {
        Response(status: .ok, headers: [.contentType: Sitemap.mediaType, .cacheControl: SiteApplication.pageCacheControl],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: xml)))
    }
}
