import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import Synchronization
import Testing
import TestSupport
@testable import Pipeline
@testable import Store

/// When digests are due, in the Japanese edition's time zone, across month, year and ISO-week-53
/// boundaries: pure arithmetic over the moment and the settings.
@Suite struct DigestScheduleTests {
    let schedule = DigestSchedule(timeOfDay: .standard, timeZone: Edition.japanese.timeZone)

    /// A moment in Tokyo.
    static func tokyo(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text + "+09:00")!
    }

    func slot(_ kind: DigestKind, _ key: String) -> DigestSlot { DigestSlot(kind: kind, key: key)! }

    @Test func aDayIsDueTheNextMorningAcrossMonthAndYearEnds() {
        #expect(schedule.dueAt(slot(.daily, "2026-11-29")) == Self.tokyo("2026-11-30T07:00:00"))
        #expect(schedule.dueAt(slot(.hacker, "2026-11-30")) == Self.tokyo("2026-12-01T07:00:00"))
        #expect(schedule.dueAt(slot(.daily, "2026-12-31")) == Self.tokyo("2027-01-01T07:00:00"))
        #expect(schedule.dueAt(slot(.daily, "2028-02-29")) == Self.tokyo("2028-03-01T07:00:00"))
        let late = DigestSchedule(timeOfDay: DigestTimeOfDay(hour: 23, minute: 30)!, timeZone: Edition.japanese.timeZone)
        #expect(late.dueAt(slot(.daily, "2026-12-31")) == Self.tokyo("2027-01-01T23:30:00"))
    }

    @Test func aWeekIsDueTheMondayAfterIncludingWeek53() {
        // 2026 begins on a Thursday: it has 53 ISO weeks, the last from 28 December to 3 January.
        #expect(schedule.dueAt(slot(.weekly, "2026-W48")) == Self.tokyo("2026-11-30T07:00:00"))
        #expect(schedule.dueAt(slot(.weekly, "2026-W53")) == Self.tokyo("2027-01-04T07:00:00"))
        #expect(schedule.latestDue(.weekly, now: Self.tokyo("2027-01-04T06:59:59")) == slot(.weekly, "2026-W52"))
        #expect(schedule.latestDue(.weekly, now: Self.tokyo("2027-01-04T07:00:00")) == slot(.weekly, "2026-W53"))
        #expect(schedule.latestDue(.weekly, now: Self.tokyo("2027-01-11T07:00:00")) == slot(.weekly, "2027-W01"))
    }

    @Test func theLatestDueDayTurnsAtTheConfiguredTimeInTokyo() {
        #expect(schedule.latestDue(.daily, now: Self.tokyo("2027-01-01T06:59:59")) == slot(.daily, "2026-12-30"))
        #expect(schedule.latestDue(.daily, now: Self.tokyo("2027-01-01T07:00:00")) == slot(.daily, "2026-12-31"))
        // 23:00 UTC on 31 December is already 08:00 on 1 January in Tokyo.
        let utc = ISO8601DateFormatter().date(from: "2026-12-31T23:00:00Z")!
        #expect(schedule.latestDue(.daily, now: utc) == slot(.daily, "2026-12-31"))
    }

    @Test func dueSlotsGoBackABoundedWayAndNeverBeforeTheFirstItem() {
        let now = Self.tokyo("2026-12-01T09:00:00")
        let longAgo = Self.tokyo("2026-01-01T00:00:00")
        let daily = schedule.dueSlots(kinds: [.daily], now: now, firstItem: longAgo)
        #expect(daily.map(\.key) == ["2026-11-30", "2026-11-29", "2026-11-28", "2026-11-27", "2026-11-26", "2026-11-25", "2026-11-24"])
        #expect(schedule.dueSlots(kinds: [.weekly], now: now, firstItem: longAgo).map(\.key) == ["2026-W48"])
        // Installed on the 29th: nothing for the days before it, and no weekly digest of a week it missed.
        let installed = Self.tokyo("2026-11-29T12:00:00")
        #expect(schedule.dueSlots(kinds: [.daily, .weekly], now: now, firstItem: installed).map(\.description)
            == ["daily 2026-11-30", "daily 2026-11-29", "weekly 2026-W48"])
        #expect(schedule.dueSlots(kinds: [.daily], now: now, firstItem: Self.tokyo("2026-12-01T08:00:00")).isEmpty)
        #expect(schedule.dueSlots(kinds: [.daily, .hacker, .weekly], now: now, firstItem: nil).isEmpty)
    }

    @Test func theTimeOfDayIsHoursAndMinutesOnATwentyFourHourClock() {
        #expect(DigestTimeOfDay(parsing: "07:00") == .standard)
        #expect(DigestTimeOfDay(parsing: "7:05") == DigestTimeOfDay(hour: 7, minute: 5))
        #expect(DigestTimeOfDay(parsing: "23:59")?.description == "23:59")
        for bad in ["24:00", "7:5", "07-00", "０７:００", "", ":", "7:60", "-1:00", "07:00:00", "1e1:00"] {
            #expect(DigestTimeOfDay(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func theSettingsReadTheTimeAndTheSwitchAndReportABadTime() throws {
        let standard = try Settings.load(environment: [:])
        #expect(standard.digests == DigestSettings(enabled: true, timeOfDay: .standard))
        let set = try Settings.load(environment: [Settings.Key.digestTime: "06:30", Settings.Key.digests: "off"])
        #expect(set.digests == DigestSettings(enabled: false, timeOfDay: DigestTimeOfDay(hour: 6, minute: 30)!))
        #expect(throws: SettingsError.self) { try Settings.load(environment: [Settings.Key.digestTime: "25:00"]) }
    }
}

/// A model for the digests that counts its calls: it groups a day's stories by their first tag,
/// writes a line and a polite lead, and an overview of the week; or, when told to, answers with a
/// story left out, every time.
final class DigestModel: Sendable {
    let calls = Mutex<[String: Int]>([:])
    let leavesOutAStory: Bool
    /// How long each answer takes: long enough, in the race, for the other workers to try the slot meanwhile.
    let delay: Duration

    init(leavesOutAStory: Bool = false, delay: Duration = .zero) {
        self.leavesOutAStory = leavesOutAStory
        self.delay = delay
    }

    var handler: TestHandler {
        { request in
            var response = self.respond(to: request)
            response.delay = self.delay
            return response
        }
    }

    private func respond(to request: TestRequest) -> TestResponse {
        let schema = ScriptedLLMServer.schemaName(of: request)
        self.calls.withLock { $0[schema, default: 0] += 1 }
        guard let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              let payload = ScriptedLLMServer.firstUserPayload(json),
              let stories = payload["stories"] as? [[String: Any]]
        else { return ScriptedLLMServer.failure(status: 400, message: "no stories") }
        if schema == "weekly_digest" {
            return Self.answer(["overview": "今週は\(stories.count)本の記事を取り上げました。来週も注目です。"])
        }
        var themes: [String: [[String: Any]]] = [:]
        var order: [String] = []
        for story in stories.dropLast(self.leavesOutAStory ? 1 : 0) {
            let theme = (story["tags"] as? [String])?.first ?? "その他"
            if themes[theme] == nil { order.append(theme) }
            themes[theme, default: []].append(["id": story["id"] ?? 0, "summary": "要約 \(story["title"] as? String ?? "")"])
        }
        return Self.answer(["lead": "今日は\(stories.count)本のニュースがありました。", "themes": order.reversed().map {
            ["theme": $0, "stories": themes[$0] ?? []] as [String: Any]
        }])
    }

    func count(_ schema: String) -> Int { calls.withLock { $0[schema] ?? 0 } }

    static func answer(_ object: [String: Any]) -> TestResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return ScriptedLLMServer.completion(String(decoding: data, as: UTF8.self))
    }
}

/// The AI日報 and 週報 composers and the scheduler over real stores, both databases, with the
/// model above on 127.0.0.1: grouping and order, an empty day, a bad answer, catch-up, and
/// three schedulers racing for the same slots.
@Suite struct DigestWritingTests {
    static let logger = Logger(label: "digest-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let edition = Edition.japanese
    let day = DigestSlot(kind: .daily, key: "2026-11-29")!
    let week = DigestSlot(kind: .weekly, key: "2026-W48")!

    func editor(port: Int) -> DigestEditor {
        DigestEditor(client: ChatClient(configuration: LLMConfiguration(
            baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "digest-model", maximumAttempts: 3,
            retryBaseDelay: .milliseconds(10)), logger: Self.logger), edition: edition)
    }

    func composers(_ store: Store, editor: DigestEditor?) -> [any DigestComposer] {
        let desk = DigestDesk(store: store, editor: editor, edition: edition)
        return [DailyDigestComposer(desk: desk), WeeklyDigestComposer(desk: desk)]
    }

    /// Stores a published story shown at `shownAt` (Tokyo) with `importance` (every score the same).
    @discardableResult
    func story(_ title: String, at shownAt: String, publishedAt: String? = nil, importance: Int, tags: [String], source: Int64,
               in store: Store, tldr: String? = nil) async throws -> Int64 {
        let date = DigestScheduleTests.tokyo(shownAt)
        let published = publishedAt.map(DigestScheduleTests.tokyo) ?? date
        let url = "https://news.example/\(UUID().uuidString)"
        _ = try await store.insertDiscovered([DiscoveredItem(sourceID: source, guid: url, url: url, canonicalURL: url,
                                                             title: title, author: nil, publishedAt: date)], now: date)
        let id = try #require(try await store.itemID(canonicalURL: url))
        let analysis = Analysis(title: title, tldr: tldr ?? "\(title)が発表された。詳細は記事で。", keyPoints: [KeyPoint(heading: "一", body: "本文")],
                                impact: "影響", editorial: "論評", tags: tags, entities: [],
                                scores: AxisScores(depth: importance, relevance: importance, practicality: importance, novelty: importance),
                                analysedAt: date, model: "m")
        try await store.database.raw("""
            UPDATE items SET stage = \(bind: Stage.published.rawValue), analysis_json = \(bind: try Store.json(analysis)),
                importance = \(bind: analysis.importance.value), published_at = \(bind: published.storedValue)
            WHERE id = \(bind: id)
            """).run()
        try await store.replaceTags(of: id, with: tags, heldBy: nil)
        return id
    }

    func source(_ store: Store) async throws -> Int64 {
        try await store.addSource(url: "https://news.example/feed-\(UUID().uuidString)", name: "News", kind: .feed).id
    }

    /// Five stories on 29 November and one each on the days around it.
    func storeTheDay(in store: Store) async throws -> [String: Int64] {
        let source = try await source(store)
        var ids: [String: Int64] = [:]
        for (title, time, importance, tags) in [
            ("モデルA公開", "2026-11-29T09:00:00", 3, ["モデル"]), ("規制案", "2026-11-29T10:00:00", 5, ["政策"]),
            ("モデルB公開", "2026-11-29T11:00:00", 4, ["モデル"]), ("資金調達", "2026-11-29T12:00:00", 2, ["投資"]),
            ("タグなし", "2026-11-29T23:59:00", 1, []),
            ("前日の話", "2026-11-28T23:59:00", 5, ["政策"]), ("翌日の話", "2026-11-30T00:00:00", 5, ["政策"]),
        ] as [(String, String, Int, [String])] {
            ids[title] = try await story(title, at: time, importance: importance, tags: tags, source: source, in: store)
        }
        return ids
    }

    @Test(arguments: Backend.available)
    func theDayIsGroupedByThemeTheMostImportantFirstInOneCall(backend: Backend) async throws {
        let model = DigestModel()
        try await withTestStore(backend) { store in
            let ids = try await storeTheDay(in: store)
            try await withTestHTTPServer(model.handler) { port in
                let composer = DailyDigestComposer(desk: DigestDesk(store: store, editor: editor(port: port), edition: edition))
                let digest = try await composer.compose(day, now: DigestScheduleTests.tokyo("2026-11-30T07:00:00"))
                #expect(model.count("daily_digest") == 1)
                #expect(digest.title == "AI日報 2026年11月29日（日）")
                #expect(digest.lead == "今日は5本のニュースがありました。")
                #expect(digest.model == "scripted-model")
                // The model listed its themes in reverse; the digest puts the most important first.
                #expect(digest.sections.map(\.theme) == ["政策", "モデル", "投資", "その他"])
                #expect(digest.sections.map { $0.entries.map(\.title) } == [["規制案"], ["モデルB公開", "モデルA公開"], ["資金調達"], ["タグなし"]])
                #expect(digest.itemIDs == ["規制案", "モデルB公開", "モデルA公開", "資金調達", "タグなし"].map { ids[$0]! })
                #expect(digest.sections[1].entries.map(\.summary) == ["要約 モデルB公開", "要約 モデルA公開"])
                #expect(digest.sections[1].entries.map(\.importance) == [4, 3])
                #expect(digest.tags.map(\.name) == ["モデル", "投資", "政策"])
                #expect(digest.tags.map(\.count) == [2, 1, 1])
            }
        }
    }

    @Test(arguments: Backend.available)
    func withoutAModelTheDayIsGroupedByFirstTagWithTheTLDRsFirstSentenceAndNoLead(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            _ = try await storeTheDay(in: store)
            let digest = try await DailyDigestComposer(desk: DigestDesk(store: store, editor: nil, edition: edition))
                .compose(day, now: DigestScheduleTests.tokyo("2026-11-30T07:00:00"))
            #expect(digest.lead == nil)
            #expect(digest.model == nil)
            #expect(digest.sections.map(\.theme) == ["政策", "モデル", "投資", "その他"])
            #expect(digest.sections[1].entries.map(\.summary) == ["モデルB公開が発表された。", "モデルA公開が発表された。"])
        }
    }

    @Test(arguments: Backend.available)
    func aStoryIsCarriedByTheDigestOfTheDayItWasPublishedEvenWhenDatedTheDayBefore(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            // Dated late on the 29th, published after the 29th's digest was written at 07:00 on the 30th.
            let late = try await story("遅れて公開", at: "2026-11-29T23:00:00", publishedAt: "2026-11-30T08:00:00",
                                       importance: 3, tags: [], source: try await source(store), in: store)
            let composer = DailyDigestComposer(desk: DigestDesk(store: store, editor: nil, edition: edition))
            #expect(try await composer.compose(day, now: DigestScheduleTests.tokyo("2026-11-30T07:00:00")).isEmpty)
            let next = try #require(DigestSlot(kind: .daily, key: "2026-11-30"))
            #expect(try await composer.compose(next, now: DigestScheduleTests.tokyo("2026-12-01T07:00:00")).itemIDs == [late])
        }
    }

    @Test(arguments: Backend.available)
    func anEmptyDayIsWrittenAsSuchWithoutAskingTheModel(backend: Backend) async throws {
        let model = DigestModel()
        try await withTestStore(backend) { store in
            _ = try await storeTheDay(in: store)
            try await withTestHTTPServer(model.handler) { port in
                let empty = DigestSlot(kind: .daily, key: "2026-11-20")!
                let writer = DigestWriter(store: store, owner: "w", logger: Self.logger)
                let outcome = try await writer.write(empty, with: DailyDigestComposer(desk: DigestDesk(store: store, editor: editor(port: port), edition: edition)),
                                                     now: DigestScheduleTests.tokyo("2026-11-21T07:00:00"))
                guard case .written(let digest) = outcome else { Issue.record("not written: \(outcome)"); return }
                #expect(digest.isEmpty && digest.sections.isEmpty && digest.lead == nil && digest.model == nil)
                #expect(model.count("daily_digest") == 0)
                #expect(try await store.digest(empty) == digest)
            }
        }
    }

    @Test(arguments: Backend.available)
    func aBadAnswerIsAskedAgainThenRecordedAsTheSlotsFailureWithItsReason(backend: Backend) async throws {
        let model = DigestModel(leavesOutAStory: true)
        try await withTestStore(backend) { store in
            let ids = try await storeTheDay(in: store)
            try await withTestHTTPServer(model.handler) { port in
                let writer = DigestWriter(store: store, owner: "w", logger: Self.logger)
                let outcome = try await writer.write(day, with: DailyDigestComposer(desk: DigestDesk(store: store, editor: editor(port: port), edition: edition)),
                                                     now: DigestScheduleTests.tokyo("2026-11-30T07:00:00"))
                // Three attempts, each shown why the last was refused.
                #expect(model.count("daily_digest") == 3)
                guard case .failed(let reason) = outcome else { Issue.record("not failed: \(outcome)"); return }
                #expect(reason.contains("ids \(ids["タグなし"]!) are in no theme"))
                #expect(try await store.digest(day) == nil)
                let row = try #require(try await store.database.raw("SELECT state, last_error, next_attempt_at FROM digests").first())
                #expect(try row.decode(column: "state", as: String.self) == "failed")
                #expect(try row.decode(column: "last_error", as: String.self).contains("are in no theme"))
                // An invalid answer is no passing failure: the slot is not retried by the schedule.
                #expect(try row.decode(column: "next_attempt_at", as: Double?.self) == nil)
                let failures = try await store.digestFailures(limit: 20)
                #expect(failures.map(\.slot) == [day] && failures.first?.attempts == 1 && failures.first?.nextAttemptAt == nil)
                var report = StatusReport(stages: [:], awaitingAnalysis: 0, llmConfigured: true, failures: [], merges: [], sources: [])
                report.digestFailures = failures
                #expect(report.text(edition: edition).contains("  daily 2026-11-29 [1 claims, failed for good]\n      the model's answer was invalid"))
            }
        }
    }

    @Test(arguments: Backend.available)
    func theWeekHasItsTopStoriesRisingSubjectsByDayAndTheOverview(backend: Backend) async throws {
        let model = DigestModel()
        try await withTestStore(backend) { store in
            let source = try await source(store)
            // "エージェント" rises: none the week before, one on Monday and three on Sunday.
            for time in ["2026-11-23T10:00:00", "2026-11-29T09:00:00", "2026-11-29T10:00:00", "2026-11-29T11:00:00"] {
                try await story("エージェント \(time)", at: time, importance: 3, tags: ["エージェント"], source: source, in: store)
            }
            try await story("先週の話", at: "2026-11-20T10:00:00", importance: 5, tags: ["政策"], source: source, in: store)
            try await withTestHTTPServer(model.handler) { port in
                let digest = try await WeeklyDigestComposer(desk: DigestDesk(store: store, editor: editor(port: port), edition: edition))
                    .compose(week, now: DigestScheduleTests.tokyo("2026-11-30T07:00:00"))
                #expect(digest.title == "週報 2026年第48週（11月23日〜11月29日）")
                #expect(digest.itemIDs.count == 4)
                #expect(digest.lead == "今週は4本の記事を取り上げました。来週も注目です。")
                #expect(model.count("weekly_digest") == 1)
                #expect(digest.trends == [DigestTrend(name: "エージェント", dailyCounts: [1, 0, 0, 0, 0, 0, 3], previousWeekCount: 0)])
            }
        }
    }

    @Test(arguments: Backend.available)
    func aSchedulerStartedAfterTheMissedTimeCatchesUpAndOneStartedBeforeWritesNothingForToday(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            _ = try await storeTheDay(in: store)
            // The database's first item was discovered on the 28th: nothing is due before it.
            let scheduler = DigestScheduler(
                writer: DigestWriter(store: store, logger: Self.logger),
                composers: [DailyDigestComposer(desk: DigestDesk(store: store, editor: nil, edition: edition))],
                schedule: DigestSchedule(timeOfDay: .standard, timeZone: edition.timeZone), logger: Self.logger)
            #expect(try await scheduler.runPass(now: DigestScheduleTests.tokyo("2026-11-30T06:59:00")).map(\.key) == ["2026-11-28"])
            #expect(try await store.digest(day) == nil)
            // Down at 07:00 on the 30th, back at 09:00: the 29th is written then, once.
            #expect(try await scheduler.runPass(now: DigestScheduleTests.tokyo("2026-11-30T09:00:00")) == [day])
            #expect(try await store.digest(day)?.itemIDs.count == 5)
            #expect(try await scheduler.runPass(now: DigestScheduleTests.tokyo("2026-11-30T09:01:00")).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func threeSchedulersRacingWriteEachSlotOnceWithOneModelCallEach(backend: Backend) async throws {
        let model = DigestModel(delay: .milliseconds(300))
        try await withTestLocation(backend) { location in
            try await withStores(1, at: location) { stores in _ = try await storeTheDay(in: stores[0]) }
            try await withTestHTTPServer(model.handler) { port in
                try await withStores(3, at: location) { stores in
                    let now = DigestScheduleTests.tokyo("2026-12-01T09:00:00")
                    let written = try await withThrowingTaskGroup(of: [DigestSlot].self) { group in
                        for (number, store) in stores.enumerated() {
                            group.addTask {
                                try await DigestScheduler(
                                    writer: DigestWriter(store: store, owner: "worker-\(number)", logger: Self.logger),
                                    composers: composers(store, editor: editor(port: port)),
                                    schedule: DigestSchedule(timeOfDay: .standard, timeZone: edition.timeZone),
                                    logger: Self.logger).runPass(now: now)
                            }
                        }
                        return try await group.reduce(into: []) { $0 += $1 }
                    }
                    // Items from the 28th on: the days 28, 29 and 30 and week 48, each once.
                    let expected = ["daily 2026-11-28", "daily 2026-11-29", "daily 2026-11-30", "weekly 2026-W48"]
                    #expect(written.map(\.description).sorted() == expected)
                    #expect(model.count("daily_digest") == 3)
                    #expect(model.count("weekly_digest") == 1)
                    let rows = try await stores[0].database.raw("""
                        SELECT kind, slot, COUNT(*) AS items FROM digest_items GROUP BY kind, slot ORDER BY kind, slot
                        """).all().map { "\(try $0.decode(column: "kind", as: String.self)) \(try $0.decode(column: "slot", as: String.self)) \(try $0.decode(column: "items", as: Int.self))" }
                    #expect(rows == ["daily 2026-11-28 1", "daily 2026-11-29 5", "daily 2026-11-30 1", "weekly 2026-W48 6"])
                    let digested = try await stores[0].siteChanges(after: 0, limit: 100).filter { $0.kind == .digested }
                    #expect(digested.count == 13)
                }
            }
        }
    }

    /// A composer slower than the writer's lease: an empty digest after `delay`.
    struct SlowComposer: DigestComposer {
        let kind = DigestKind.daily
        let delay: Duration

        func compose(_ slot: DigestSlot, now: Date) async throws(DigestError) -> Digest {
            try? await Task.sleep(for: delay)
            return Digest(slot: slot, title: "AI日報", lead: nil, sections: [], model: nil, writtenAt: now)
        }
    }

    @Test(arguments: Backend.available)
    func theLeaseIsRenewedWhileASlowComposeRunsSoNoOtherWorkerTakesTheSlot(backend: Backend) async throws {
        try await withTestLocation(backend) { location in
            try await withStores(2, at: location) { stores in
                // A lease of 3 s renewed every second, and a compose more than twice as long: a
                // renewal that never came would let the second worker in by the third probe.
                let writer = DigestWriter(store: stores[0], owner: "slow", lease: 3, logger: Self.logger)
                async let outcome = writer.write(day, with: SlowComposer(delay: .milliseconds(7500)), now: Date())
                let limit = ClaimLimit(claims: 5, reason: "given up")
                var taken = false
                for _ in 0..<4 {
                    try await Task.sleep(for: .milliseconds(1500))
                    taken = try await stores[1].claimDigestSlot(day, owner: "other", lease: 60, limit: limit) || taken
                }
                guard case .written = try await outcome else { Issue.record("not written: \(try await outcome)"); return }
                #expect(!taken)
            }
        }
    }

    @Test(arguments: Backend.available)
    func aSlotAbandonedMidDigestIsFinishedByAnotherSchedulerAfterTheLease(backend: Backend) async throws {
        try await withTestStore(backend) { store in
            _ = try await storeTheDay(in: store)
            // A worker claimed the 29th and died.
            #expect(try await store.claimDigestSlot(day, owner: "crashed", lease: 120, limit: ClaimLimit(claims: 5, reason: "given up")))
            let scheduler = DigestScheduler(
                writer: DigestWriter(store: store, owner: "survivor", logger: Self.logger),
                composers: [DailyDigestComposer(desk: DigestDesk(store: store, editor: nil, edition: edition))],
                schedule: DigestSchedule(timeOfDay: .standard, timeZone: edition.timeZone), logger: Self.logger)
            let now = DigestScheduleTests.tokyo("2026-11-30T09:00:00")
            // The 28th is written; the 29th is held by the dead worker's lease.
            #expect(try await scheduler.runPass(now: now).map(\.key) == ["2026-11-28"])
            try await store.database.raw("UPDATE digests SET lease_expires_at = lease_expires_at - 121").run()
            #expect(try await scheduler.runPass(now: now) == [day])
            #expect(try await store.digest(day)?.itemIDs.count == 5)
        }
    }
}
