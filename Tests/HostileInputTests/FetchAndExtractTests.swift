import Foundation
import KawarabanCore
import Testing
import TestSupport

/// Pages built to stall or exhaust the extractor, each read by `kawaraban extract FILE --json`
/// in a process of its own, at sizes that took minutes or gigabytes before extraction bounded
/// them. One at a time, so that each measures itself rather than its neighbours.
@Suite(.serialized) struct FetchAndExtractTests {
    static let paragraph = "<p>The council approved the new budget on Tuesday, after a long debate about school funding, "
        + "road repairs and the cost of running the city's libraries through the winter.</p>"
    static let article = String(repeating: paragraph, count: 3)

    /// Writes the page to a temporary file and extracts it.
    func extract(_ page: String, _ what: String) async throws -> MeasuredRun {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-page-\(UUID().uuidString).html")
        try Data(page.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await KawarabanProcess(environment: [:]).measure(["extract", file.path, "--json"])
        run.expectWithinBudget(what)
        return run
    }

    func article(of run: MeasuredRun) throws -> Article {
        try #require(run.result.status == 0, "\(run.result.errors)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Article.self, from: Data(run.result.output.utf8))
    }

    /// libxml2 2.9 checks each attribute of a tag against every one before it: 19 s for this page before.
    @Test func oneTagOfAHundredThousandAttributes() async throws {
        let count = 100_000
        let value = String(repeating: "x", count: 15 * 1_048_576 / count - 20)
        var page = "<html><body><div"
        page.reserveCapacity(16 * 1_048_576)
        for index in 0..<count { page += " data-a\(index)=\"\(value)\"" }
        page += ">" + Self.article + "</div></body></html>"
        let run = try await extract(page, "a 15 MiB tag of 100,000 attributes")
        #expect(try article(of: run).blocks.count == 3)
    }

    @Test func nestingAHundredThousandDeep() async throws {
        let depth = 100_000
        let page = "<html><body>" + String(repeating: "<div>", count: depth) + Self.article
            + String(repeating: "</div>", count: depth) + "</body></html>"
        let run = try await extract(page, "elements nested 100,000 deep")
        #expect(try article(of: run).blocks.count == 3)
    }

    /// Unbounded, the article's JSON would nest deeper than JSONDecoder reads.
    @Test func inlineMarksTenThousandDeep() async throws {
        let depth = 10_000
        let opening = (0..<depth).map { $0 % 2 == 0 ? "<b>" : "<i>" }.joined()
        let closing = (0..<depth).reversed().map { $0 % 2 == 0 ? "</b>" : "</i>" }.joined()
        let page = "<html><body><article>" + Self.article + "<p>" + opening + "deeply marked words" + closing
            + "</p></article></body></html>"
        let run = try await extract(page, "inline marks 10,000 deep")
        let article = try article(of: run)
        #expect(article.plainText.contains("deeply marked words"))
    }

    /// An ASP.NET WebForms page: everything inside one form, with a view state of several megabytes.
    @Test func aPageInsideOneFormWithALargeViewState() async throws {
        let viewState = String(repeating: "/wEPDwUKLTQ3MjE5NDQ4Mg9kFgJmD2QWAgIDD2Q", count: 100_000)
        let page = "<html><head><title>Budget approved</title></head><body><form method=\"post\" action=\"./Article.aspx?id=7\" id=\"form1\">"
            + "<div class=\"aspNetHidden\"><input type=\"hidden\" name=\"__VIEWSTATE\" id=\"__VIEWSTATE\" value=\"\(viewState)\" /></div>"
            + "<div class=\"menu\"><ul><li><a href=\"/\">Home</a></li><li><a href=\"/local\">Local</a></li></ul></div>"
            + "<div id=\"ctl00_ContentPlaceHolder1_pnlArticle\">" + Self.article + "</div>"
            + "<div class=\"site-footer\">Copyright 2026 Bayside Courier</div></form></body></html>"
        let run = try await extract(page, "a page inside one form with a 4 MB view state")
        let article = try article(of: run)
        #expect(article.blocks.count == 3)
        #expect(!article.plainText.contains("Copyright"))
    }

    /// A page of the fetcher's largest size, all prose: 5 s and 485 MB before the article was capped.
    @Test func fifteenMebibytesOfParagraphs() async throws {
        let paragraph = "<p>The council approved the <a href=\"/budget/2026\">new budget</a> on Tuesday, after a <em>long debate</em> "
            + "about school funding, road repairs and the <strong>cost</strong> of running the city's libraries.</p>\n"
        let page = "<html><head><title>Budget approved</title></head><body><header><nav><a href=\"/\">Home</a></nav></header>"
            + "<main><article><h1>Budget approved</h1><div class=\"entry-content\">"
            + String(repeating: paragraph, count: 15 * 1_048_576 / paragraph.utf8.count - 10)
            + "</div></article><aside><a href=\"/a\">Other story</a></aside></main><footer>Copyright</footer></body></html>"
        let run = try await extract(page, "a 15 MiB article of paragraphs")
        let article = try article(of: run)
        #expect(article.plainText.hasPrefix("The council approved the new budget"))
        #expect(article.plainText.hasSuffix("the most kept.]"))
    }

    /// libxml2 2.9 formats an error message for every `&` that starts no reference and every
    /// character reference without its `;` or a character: 5.6 s for the `&` page before, 4.5 s for `& `.
    /// The `&` pages keep their first escaped ampersands and are no prose; the `&#` page has
    /// nothing left. `& ` is the most ampersands that are not one run, each repaired on its own.
    @Test(arguments: [("&", "mostly symbols"), ("& ", "mostly symbols"), ("&#", "no HTML elements")])
    func sixteenMebibytesOfBrokenReferences(_ unit: String, _ failure: String) async throws {
        let run = try await extract(String(repeating: unit, count: 16 * 1_048_576 / unit.utf8.count), "16 MiB of \(unit)")
        #expect(run.result.status == 1)
        #expect(run.result.errors.contains(failure))
    }

    @Test func sixteenMebibytesOfLessThanSigns() async throws {
        let run = try await extract(String(repeating: "<", count: 16 * 1_048_576), "16 MiB of <")
        #expect(run.result.status == 1)
        #expect(run.result.errors.contains("no HTML elements"))
    }
}
