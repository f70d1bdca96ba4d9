import Foundation
import Testing
import TestSupport

/// `sources add --starter` and the operator's page settings through the built executable.
@Suite(.serialized) struct StarterAndPagesTests {
    @Test func starterFeedsAreEachReportedAndASecondRunFindsThemPresent() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-starter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            let server = "http://127.0.0.1:\(sitePort)"
            let list = directory.appendingPathComponent("starter.tsv")
            try Data("""
                # a local list
                en\tai\tExample AI Wire\t\(server)\(FixtureSite.feedPath)
                ja\t-\t存在しないフィード\t\(server)/missing.xml
                """.utf8).write(to: list)
            let kawaraban = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location,
                                                           "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)"])
            let first = try await kawaraban.succeed(["sources", "add", "--starter", "--starter-file", list.path])
            #expect(first.output.contains("added source #1 Example AI Wire [en] <\(server)\(FixtureSite.feedPath)>"), "\(first.output)")
            #expect(first.output.contains("failed: 存在しないフィード [ja] <\(server)/missing.xml>: "), "\(first.output)")
            #expect(first.output.contains("1 added, 0 already present, 1 failed"), "\(first.output)")
            let second = try await kawaraban.succeed(["sources", "add", "--starter", "--starter-file", list.path])
            #expect(second.output.contains("already present: Example AI Wire [en]"), "\(second.output)")
            #expect(second.output.contains("0 added, 1 already present, 1 failed"), "\(second.output)")

            let misuse = try await kawaraban.run(["sources", "add", "--starter", "\(server)/other.xml"])
            #expect(misuse.status != 0)
            let alone = try await kawaraban.run(["sources", "add", "--starter-file", list.path])
            #expect(alone.status != 0)
        }
        try await database.remove()
    }

    @Test func pageFilesAreServedAndAnUnreadableOneStopsTheStart() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kawaraban-pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let legal = directory.appendingPathComponent("legal.md")
        try Data("## 販売事業者\n\n株式会社サンプル <script>alert(1)</script>\n".utf8).write(to: legal)

        let broken = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location,
                                                    "KAWARABAN_PAGE_ABOUT": directory.appendingPathComponent("none.md").path])
        let refused = try await broken.run(["status"])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("KAWARABAN_PAGE_ABOUT="), "\(refused.errors)")

        let port = try unusedLoopbackPort()
        let kawaraban = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location, "KAWARABAN_PORT": "\(port)",
                                                       "KAWARABAN_PAGE_LEGAL": legal.path])
        try await withWebServer(kawaraban, port: port) { get in
            let page = try await get("/legal")
            #expect(page.contains("<h1 class=\"page-heading\">特定商取引法に基づく表記</h1>"))
            #expect(page.contains("株式会社サンプル"))
            #expect(!page.contains("<script>alert"))
            #expect(try await get("/").contains("<a href=\"/legal\">特定商取引法に基づく表記</a>"))
            await #expect(throws: ProcessFailure.self) { try await get("/about") }
            #expect(try await get("/robots.txt").contains("Sitemap: http://127.0.0.1:\(port)/sitemap.xml"))
        }
        try await database.remove()
    }
}
