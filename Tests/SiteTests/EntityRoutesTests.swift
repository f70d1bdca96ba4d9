import Foundation
import Hummingbird
import HummingbirdTesting
import KawarabanCore
import Testing
import TestSupport
@testable import Site
@testable import Store

/// 企業, AIツール and トレンド over a real store on both backends: who is listed where, the pages'
/// bounds, and addresses no page has.
@Suite struct EntityRoutesTests {
    /// Two days ago: inside every chart, which ends today.
    static let recently = Date().addingTimeInterval(-2 * 86_400)

    static let openAI = Entity(name: "OpenAI", kind: .company, rendering: "OpenAI", main: true)
    static let microsoft = Entity(name: "Microsoft", kind: .company, rendering: "マイクロソフト", main: false)
    static let gpt = Entity(name: "GPT-5", kind: .model, rendering: "GPT-5", main: false)
    static let altman = Entity(name: "Sam Altman", kind: .person, rendering: "サム・アルトマン", main: false)

    /// Ids no entity has: signed, past Int64, not decimal, zero, leading zero, NUL.
    static let idsNotServed = ["-1", "99999999999999999999", "abc", "0", "01", "%00", "1e3", "9223372036854775808"]

    static func get(_ client: any TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .get) { ($0.status, String(buffer: $0.body)) }
    }

    /// The ids of every stored entity, by name.
    static func entityIDs(_ store: Store) async throws -> [String: Int64] {
        try await store.entityMentions(kinds: EntityKind.allCases, limit: 100, offset: 0)
            .reduce(into: [:]) { $0[$1.entity.name] = $1.entity.id }
    }

    /// The list under the heading `heading` in `html`, up to the end of its section.
    static func list(_ heading: String, in html: String) throws -> String {
        let after = try #require(html.components(separatedBy: "<h3>\(heading)</h3>").dropFirst().first)
        return try #require(after.components(separatedBy: "</section>").first)
    }

    @Test(arguments: Backend.available)
    func companiesAndToolsListTheirKindsWithChartsAndLinkEachOther(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            let first = try await store.storePublished(source: source.id, url: "https://wire.example/1", feedDate: nil,
                                                       discoveredAt: Self.recently, entities: [Self.openAI, Self.microsoft, Self.altman])
            _ = try await store.storePublished(source: source.id, url: "https://wire.example/2", feedDate: nil,
                                               discoveredAt: Self.recently, entities: [Self.openAI, Self.gpt])
            let ids = try await Self.entityIDs(store)
            let openAI = try #require(ids["OpenAI"]), microsoft = try #require(ids["Microsoft"])
            let gpt = try #require(ids["GPT-5"]), altman = try #require(ids["Sam Altman"])

            let (indexStatus, index) = try await Self.get(client, "/companies")
            #expect(indexStatus == .ok)
            #expect(index.contains("<a class=\"entity-name\" href=\"/companies/\(openAI)\">OpenAI</a>"))
            #expect(index.contains("href=\"/companies/\(microsoft)\""))
            #expect(!index.contains("GPT-5") && !index.contains("Sam Altman"))
            #expect(index.range(of: "OpenAI")!.lowerBound < index.range(of: ">Microsoft<")!.lowerBound, "most articles first")
            #expect(index.contains("<span class=\"entity-count\">2件</span>"))
            #expect(index.contains("role=\"img\" aria-label=\"OpenAIの記事数: 過去30日で2件"))
            #expect(index.components(separatedBy: "<svg class=\"chart\"").count == 3)

            let (toolsStatus, tools) = try await Self.get(client, "/tools")
            #expect(toolsStatus == .ok)
            #expect(tools.contains("href=\"/tools/\(gpt)\">GPT-5</a>"))
            #expect(!tools.contains(">OpenAI</a>") && !tools.contains(">Microsoft</a>"))

            let (pageStatus, page) = try await Self.get(client, "/companies/\(openAI)")
            #expect(pageStatus == .ok)
            #expect(page.contains("<h1 class=\"page-heading\">OpenAI</h1>"))
            #expect(page.contains("記事2件"))
            #expect(page.contains("href=\"\(Store.articlePath(first, url: "https://wire.example/1"))\""))
            #expect(page.contains("<h2 class=\"entity-subheading\">関連企業</h2>"))
            #expect(page.contains("<a href=\"/companies/\(microsoft)\">Microsoft</a> <span class=\"entity-count\">1件</span>"))
            #expect(page.contains("<a href=\"/tools/\(gpt)\">GPT-5</a>"))
            #expect(!page.contains("Sam Altman"), "people have no page")
            #expect(page.contains("aria-label=\"OpenAIの記事数: 過去90日で2件"))
            #expect(!page.contains("<script"))

            // The article links the companies and tools it names, the main one first; not people.
            let (_, article) = try await Self.get(client, Store.articlePath(first, url: "https://wire.example/1"))
            #expect(article.contains("<p class=\"entity-links\">企業・AIツール: <a href=\"/companies/\(openAI)\">OpenAI</a> "
                + "<a href=\"/companies/\(microsoft)\">Microsoft</a> </p>"))

            let (toolStatus, tool) = try await Self.get(client, "/tools/\(gpt)")
            #expect(toolStatus == .ok)
            #expect(tool.contains("<a href=\"/companies/\(openAI)\">OpenAI</a>"))

            // Each entity has its page in its own section only; people in none.
            for uri in ["/companies/\(gpt)", "/tools/\(openAI)", "/companies/\(altman)", "/tools/\(altman)",
                        "/companies/\(altman + 1000)", "/companies?page=2", "/companies/\(openAI)?page=2",
                        "/tools?page=2", "/companies?page=abc", "/companies/\(openAI)?page=-1"] {
                let (status, body) = try await Self.get(client, uri)
                #expect(status == .notFound, "\(uri)")
                #expect(body.contains("ページが見つかりません"))
            }

            let (_, front) = try await Self.get(client, "/")
            for link in ["<a href=\"/tools\">AIツール</a>", "<a href=\"/trends\">トレンド</a>", "<a href=\"/companies\">企業</a>"] {
                #expect(front.contains(link))
            }
        }
    }

    @Test(arguments: Backend.available, idsNotServed)
    func entityIDsNoEntityHasAreNotFoundAndTheSiteGoesOn(backend: Backend, id: String) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            _ = try await store.storePublished(source: source.id, url: "https://wire.example/1", feedDate: nil,
                                               discoveredAt: Self.recently, entities: [Self.openAI, Self.gpt])
            for section in ["companies", "tools"] {
                let (status, body) = try await Self.get(client, "/\(section)/\(id)")
                #expect(status == .notFound, "/\(section)/\(id)")
                #expect(body.contains("ページが見つかりません"))
                #expect(try await Self.get(client, "/\(section)?page=\(id)").0 == .notFound)
            }
            #expect(try await Self.get(client, "/companies/1").0 == .ok)
        }
    }

    @Test(arguments: Backend.available)
    func listsArePagedUpToTheirLastEntry(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            // One more company than a page lists, all in one article; and one more article about
            // the first of them than a page lists.
            let companies = (1...SitePages.entitiesPerIndexPage + 1).map {
                Entity(name: String(format: "Company %02d", $0), kind: .company, rendering: "社\($0)", main: false)
            }
            _ = try await store.storePublished(source: source.id, url: "https://wire.example/all", feedDate: nil,
                                               discoveredAt: Self.recently, entities: companies)
            for number in 1...SitePages.headlinesPerPage {
                _ = try await store.storePublished(source: source.id, url: "https://wire.example/\(number)", feedDate: nil,
                                                   discoveredAt: Self.recently.addingTimeInterval(Double(number)), entities: [companies[0]])
            }
            let first = try #require(try await Self.entityIDs(store)["Company 01"])
            let (_, pageOne) = try await Self.get(client, "/companies")
            #expect(pageOne.components(separatedBy: "class=\"entity-entry\"").count == SitePages.entitiesPerIndexPage + 1)
            #expect(pageOne.contains("href=\"/companies?page=2\" rel=\"next\""))
            let (status, pageTwo) = try await Self.get(client, "/companies?page=2")
            #expect(status == .ok)
            #expect(pageTwo.components(separatedBy: "class=\"entity-entry\"").count == 2)
            #expect(pageTwo.contains(">Company 51</a>"))
            #expect(pageTwo.contains("href=\"/companies\" rel=\"prev\""))
            #expect(try await Self.get(client, "/companies?page=3").0 == .notFound)

            let (_, articles) = try await Self.get(client, "/companies/\(first)")
            #expect(articles.components(separatedBy: "class=\"news-item").count == SitePages.headlinesPerPage + 1)
            #expect(articles.contains("href=\"/companies/\(first)?page=2\" rel=\"next\""))
            let (olderStatus, older) = try await Self.get(client, "/companies/\(first)?page=2")
            #expect(olderStatus == .ok)
            #expect(older.components(separatedBy: "class=\"news-item").count == 2)
            #expect(try await Self.get(client, "/companies/\(first)?page=3").0 == .notFound)
            #expect(try await Self.get(client, "/companies/\(first)?page=\(URLNumber.maximumPage)").0 == .notFound)
        }
    }

    /// A company named three times in the last days rises over 7 days; a tag carried three times
    /// ten days ago falls over 7 days and rises over 30.
    @Test(arguments: Backend.available)
    func trendsListWhatRoseAndFellInEachPeriodWithCharts(backend: Backend) async throws {
        try await withSite(backend) { store, client in
            let source = try await store.addSource(url: "https://wire.example/feed", name: "Wire", kind: .feed)
            var recent = SampleItems.analysis
            recent.tags = ["新モデル"]
            var older = SampleItems.analysis
            older.tags = ["規制&政策"]
            for number in 1...3 {
                _ = try await store.storePublished(source: source.id, url: "https://wire.example/new\(number)", feedDate: nil,
                                                   discoveredAt: Date().addingTimeInterval(-Double(number) * 86_400),
                                                   analysis: recent, entities: [Self.openAI])
                _ = try await store.storePublished(source: source.id, url: "https://wire.example/old\(number)", feedDate: nil,
                                                   discoveredAt: Date().addingTimeInterval(-Double(9 + number) * 86_400), analysis: older)
            }
            let openAI = try #require(try await Self.entityIDs(store)["OpenAI"])
            let (status, page) = try await Self.get(client, "/trends")
            #expect(status == .ok)
            #expect(!page.contains("<script"))
            let week = try #require(page.components(separatedBy: "id=\"days-7\"").last?.components(separatedBy: "id=\"days-30\"").first)
            let month = try #require(page.components(separatedBy: "id=\"days-30\"").last)
            let risingCompanies = try Self.list("伸びている企業・AIツール", in: week)
            #expect(risingCompanies.contains("<a class=\"entity-name\" href=\"/companies/\(openAI)\">OpenAI</a>"))
            #expect(risingCompanies.contains("0 → 3件"))
            #expect(risingCompanies.contains("aria-label=\"OpenAIの記事数: 直近7日で3件、その前の7日で0件。"))
            #expect(try Self.list("伸びているタグ", in: week).contains("href=\"/tags/%E6%96%B0%E3%83%A2%E3%83%87%E3%83%AB\">#新モデル</a>"))
            let fallingTags = try Self.list("減っているタグ", in: week)
            #expect(fallingTags.contains("href=\"/tags/%E8%A6%8F%E5%88%B6%26%E6%94%BF%E7%AD%96\">#規制&amp;政策</a>"))
            #expect(fallingTags.contains("3 → 0件"))
            #expect(fallingTags.contains("chart-earlier"))
            let monthRisingTags = try Self.list("伸びているタグ", in: month)
            #expect(monthRisingTags.contains("#規制&amp;政策"))
            #expect(monthRisingTags.contains("aria-label=\"#規制&amp;政策の記事数: 直近30日で3件、その前の30日で0件。"))
            #expect(!month.contains("3 → 0件"), "nothing fell over 30 days")
        }
    }

    @Test(arguments: Backend.available)
    func emptySectionsSaySoAndTrendsListNothing(backend: Backend) async throws {
        try await withSite(backend) { _, client in
            for uri in ["/companies", "/tools"] {
                let (status, body) = try await Self.get(client, uri)
                #expect(status == .ok)
                #expect(body.contains("class=\"empty\""))
                #expect(!body.contains("entity-entry"))
            }
            let (status, trends) = try await Self.get(client, "/trends")
            #expect(status == .ok)
            #expect(trends.components(separatedBy: "<p class=\"empty\">該当なし</p>").count == 9)
        }
    }
}
