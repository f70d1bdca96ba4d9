import Foundation
import Testing
import TestSupport

/// The operator's levers through the built executable: requeue, unpublish, sources remove,
/// prune and migrate, as a person at a terminal would use them.
@Suite(.serialized) struct OperatorCommandsTests {
    func environment(_ database: TestDatabase, sitePort: Int, llmPort: Int? = nil, webPort: Int? = nil) -> [String: String] {
        var environment = ["KAWARABAN_DATABASE": database.location, "KAWARABAN_FETCH_ALLOW": "127.0.0.1:\(sitePort)"]
        if let llmPort {
            environment["KAWARABAN_LLM_BASE_URL"] = "http://127.0.0.1:\(llmPort)/v1"
            environment["KAWARABAN_LLM_MODEL"] = "scripted-model"
        }
        if let webPort { environment["KAWARABAN_PORT"] = "\(webPort)" }
        return environment
    }

    @Test func failedItemsAreRequeuedAndAnUnpublishedItemLeavesTheSiteForGood() async throws {
        let database = try await TestDatabase.create(.sqlite)
        // A refused key fails every analysis for good; the key is then fixed.
        let llm = ScriptedLLMServer(script: Array(repeating: ScriptedLLMServer.failure(status: 401), count: FixtureSite.articleCount))
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            try await withTestHTTPServer(llm.handler) { llmPort in
                let webPort = try unusedLoopbackPort()
                let kawaraban = KawarabanProcess(environment: environment(database, sitePort: sitePort, llmPort: llmPort,
                                                                          webPort: webPort))
                // An all-AI source, so that the refused key fails the analyses rather than a triage.
                try await kawaraban.succeed(["sources", "add", "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)",
                                             "--name", "Example AI Wire", "--topic", "ai"])
                try await kawaraban.succeed(["collect"])
                try await kawaraban.succeed(["work", "--until-idle"])
                #expect(try await StatusJSON.read(kawaraban).stages["failed"] == FixtureSite.articleCount)

                // act: requeue
                let requeued = try await kawaraban.succeed(["items", "requeue", "--failed"])
                #expect(requeued.output.contains("requeued #1 at extracted"), "\(requeued.output)")
                #expect(requeued.output.contains("\(FixtureSite.articleCount) items requeued"))
                try await kawaraban.succeed(["work", "--until-idle"])
                #expect(try await StatusJSON.read(kawaraban).stages["published"] == FixtureSite.articleCount)

                // act: unpublish
                let unpublished = try await kawaraban.succeed(["items", "unpublish", "1"])
                #expect(unpublished.output.contains("unpublished #1"))
                let again = try await kawaraban.run(["items", "unpublish", "1"])
                #expect(again.status != 0)
                #expect(again.errors.contains("item #1 is unpublished, not published"), "\(again.errors)")
                let work = try await kawaraban.succeed(["work", "--until-idle"])
                #expect(work.output.contains("steps: 0, published: 0"), "nothing publishes it again")
                let status = try await StatusJSON.read(kawaraban)
                #expect(status.stages["published"] == FixtureSite.articleCount - 1)
                #expect(status.stages["unpublished"] == 1)
                try await withWebServer(kawaraban, port: webPort) { get in
                    let list = try await get("/")
                    // Articles are linked at /articles/<id>-<slug of the English title>.
                    #expect(!list.contains("href=\"/articles/1-"))
                    #expect(list.contains("href=\"/articles/2-"))
                    await #expect(throws: ProcessFailure.self) { try await get("/articles/1") }
                    let feed = try await get("/feed.xml")
                    #expect(!feed.contains("/articles/1<"), "\(feed)")
                }
            }
        }
        try await database.remove()
    }

    @Test func aRemovedSourceIsNoLongerCollectedAndSaysWhatHappenedToItsItems() async throws {
        let database = try await TestDatabase.create(.sqlite)
        try await withTestHTTPServer(FixtureSite.handler) { sitePort in
            let kawaraban = KawarabanProcess(environment: environment(database, sitePort: sitePort))
            let url = "http://127.0.0.1:\(sitePort)\(FixtureSite.feedPath)"
            try await kawaraban.succeed(["sources", "add", url, "--name", "Example AI Wire"])
            try await kawaraban.succeed(["collect"])

            let removed = try await kawaraban.succeed(["sources", "remove", "1"])

            #expect(removed.output.contains("removed source #1 Example AI Wire"))
            #expect(removed.output.contains("0 published articles kept, credited to Example AI Wire"))
            #expect(removed.output.contains("\(FixtureSite.articleCount) unpublished items deleted"))
            #expect(try await kawaraban.succeed(["sources", "list"]).output.contains("no sources"))
            #expect(try await kawaraban.succeed(["collect"]).output.contains("no source is due"))
            let missing = try await kawaraban.run(["sources", "remove", "7"])
            #expect(missing.status != 0)
            #expect(missing.errors.contains("source #7 does not exist"))
            let back = try await kawaraban.succeed(["sources", "add", url, "--name", "Example AI Wire"])
            #expect(back.output.contains("added source #1"))
        }
        try await database.remove()
    }

    @Test func pruneSaysWhatItDropped() async throws {
        let database = try await TestDatabase.create(.sqlite)
        let kawaraban = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location, "KAWARABAN_RETENTION_DAYS": "7"])
        let pruned = try await kawaraban.succeed(["prune"])
        #expect(pruned.output.contains("dropped the stored pages of 0 failed items older than 7 days"), "\(pruned.output)")
        try await database.remove()
    }

    @Test(arguments: Backend.available)
    func migrateSaysWhatItAppliedAndAProcessToldNotToMigrateRefusesAnOldSchema(backend: Backend) async throws {
        let database = try await TestDatabase.create(backend)
        let web = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location, "KAWARABAN_MIGRATE_ON_START": "false"])
        let refused = try await web.run(["serve", "--role", "web", "--port", "\(try unusedLoopbackPort())"], timeout: .seconds(30))
        #expect(refused.status != 0)
        #expect(refused.errors.contains("run `kawaraban migrate` first"), "\(refused.errors)")

        let kawaraban = KawarabanProcess(environment: ["KAWARABAN_DATABASE": database.location])
        let applied = try await kawaraban.succeed(["migrate"])
        #expect(applied.output.hasPrefix("applied migrations 1, 2"), "\(applied.output)")
        #expect(try await kawaraban.succeed(["migrate"]).output.hasPrefix("database is up to date"))
        try await web.succeed(["status"])
        try await database.remove()
    }
}
