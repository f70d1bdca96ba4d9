import Foundation
import KawarabanCore
import LLM

/// A story as the digest editor reads it: the site's own headline and TL;DR, never the article.
public struct DigestBrief: Sendable, Hashable, Encodable {
    public var id: Int64
    public var title: String
    public var tldr: String
    public var source: String
    public var tags: [String]

    public init(id: Int64, title: String, tldr: String, source: String, tags: [String]) {
        self.id = id
        self.title = title
        self.tldr = tldr
        self.source = source
        self.tags = tags
    }
}

/// The day as the editor wrote it: themes holding every story once, with a line on each, and a
/// lead paragraph on the day.
public struct EditedDay: Sendable, Hashable {
    public struct Theme: Sendable, Hashable {
        public var name: String
        /// The theme's stories in the editor's order.
        public var stories: [Summary]
    }

    public struct Summary: Sendable, Hashable {
        public var id: Int64
        public var line: String
    }

    public var lead: String
    public var themes: [Theme]
}

/// A model's answer and the model that gave it.
public struct Edited<Value: Sendable>: Sendable {
    public var value: Value
    public var model: String
}

/// Writes the prose of AI日報 and 週報 from the stories' headlines and TL;DRs: one call per
/// digest, with a schema and a validator like triage's. The lead and the overview are the
/// editors' voice (the commentary register); the one-line summaries the body register.
public struct DigestEditor: Sendable {
    public static let maximumThemes = 8
    public static let maximumThemeCharacters = 30
    public static let maximumSummaryCharacters = 80
    public static let maximumLeadCharacters = 400
    public static let maximumOverviewCharacters = 800
    /// Themes, summaries for up to 40 stories and a lead; the overview alone is much shorter.
    static let maximumAnswerTokens = 8_000

    let client: ChatClient
    let edition: Edition

    public init(client: ChatClient, edition: Edition) {
        self.client = client
        self.edition = edition
    }

    struct DayAnswer: Decodable, Sendable {
        struct Theme: Decodable, Sendable {
            struct Story: Decodable, Sendable {
                var id: Int64
                var summary: String
            }
            var theme: String
            var stories: [Story]
        }
        var lead: String
        var themes: [Theme]
    }

    struct WeekAnswer: Decodable, Sendable {
        var overview: String
    }

    private struct DayPayload: Encodable {
        var day: String
        var stories: [DigestBrief]
    }

    private struct WeekPayload: Encodable {
        var week: String
        var stories: [DigestBrief]
        var rising: [String]
    }

    /// The day's themes, summaries and lead for `stories` (not empty: an empty day is not asked about).
    public func editDay(_ stories: [DigestBrief], day: String) async throws(NewsroomError) -> Edited<EditedDay> {
        let request = ChatRequest(
            task: .digest,
            messages: [.system(Prompts.digestDay(edition: edition)), .user(Prompts.untrusted(DayPayload(day: day, stories: stories)))],
            responseSchema: ResponseSchema(name: "daily_digest", schema: Self.daySchema), temperature: 0,
            maximumTokens: Self.maximumAnswerTokens)
        let ids = stories.map(\.id)
        let edition = self.edition
        do {
            let answer = try await client.completeJSON(request, as: DayAnswer.self, purpose: "daily digest") { answer in
                try Self.validate(answer, ids: ids, edition: edition)
            }
            return Edited(value: answer.value, model: answer.model)
        } catch {
            throw .llm(error)
        }
    }

    /// The week's editorial overview from its top stories and what rose.
    public func overviewWeek(_ stories: [DigestBrief], rising: [String], week: String) async throws(NewsroomError) -> Edited<String> {
        let request = ChatRequest(
            task: .digest,
            messages: [.system(Prompts.digestWeek(edition: edition)),
                       .user(Prompts.untrusted(WeekPayload(week: week, stories: stories, rising: rising)))],
            responseSchema: ResponseSchema(name: "weekly_digest", schema: Self.weekSchema), temperature: 0,
            maximumTokens: Self.maximumAnswerTokens)
        let edition = self.edition
        do {
            let answer = try await client.completeJSON(request, as: WeekAnswer.self, purpose: "weekly digest") { answer in
                let overview = try Self.line("overview", answer.overview, maximum: Self.maximumOverviewCharacters)
                if edition.checksRegister, let problem = RegisterCheck.problem(in: overview, expected: edition.style.commentary) {
                    throw AnswerFlaw(value: overview, reason: "overview: \(problem)")
                }
                return overview
            }
            return Edited(value: answer.value, model: answer.model)
        } catch {
            throw .llm(error)
        }
    }

    /// Every story id asked about exactly once and none other; themes named and not empty, at
    /// most `maximumThemes`; every text present, one line, within its length. A lead that leaves
    /// the commentary register is flawed, not refused.
    static func validate(_ answer: DayAnswer, ids: [Int64], edition: Edition) throws -> EditedDay {
        let asked = Set(ids)
        var placed = Set<Int64>()
        guard !answer.themes.isEmpty else { throw AnswerRejected("themes is empty; put every story in a theme") }
        guard answer.themes.count <= maximumThemes else {
            throw AnswerRejected("\(answer.themes.count) themes; group the stories in at most \(maximumThemes)")
        }
        let themes = try answer.themes.map { theme in
            let name = try line("theme name", theme.theme, maximum: maximumThemeCharacters)
            guard !theme.stories.isEmpty else { throw AnswerRejected("theme \(name) has no stories; leave out empty themes") }
            return EditedDay.Theme(name: name, stories: try theme.stories.map { story in
                guard asked.contains(story.id) else { throw AnswerRejected("id \(story.id) is not one of the stories; use only the ids given") }
                guard placed.insert(story.id).inserted else { throw AnswerRejected("id \(story.id) is placed more than once") }
                return EditedDay.Summary(id: story.id, line: try line("summary of id \(story.id)", story.summary,
                                                                       maximum: maximumSummaryCharacters))
            })
        }
        let missing = ids.filter { !placed.contains($0) }
        guard missing.isEmpty else {
            throw AnswerRejected("ids \(missing.map(String.init).joined(separator: ", ")) are in no theme; place every story once")
        }
        let day = EditedDay(lead: try line("lead", answer.lead, maximum: maximumLeadCharacters), themes: themes)
        if edition.checksRegister, let problem = RegisterCheck.problem(in: day.lead, expected: edition.style.commentary) {
            throw AnswerFlaw(value: day, reason: "lead: \(problem)")
        }
        return day
    }

    /// `text` with white space collapsed to one line; refused when empty or longer than `maximum`.
    static func line(_ field: String, _ text: String, maximum: Int) throws -> String {
        let collapsed = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        guard !collapsed.isEmpty else { throw AnswerRejected("\(field) is empty") }
        guard collapsed.count <= maximum else {
            throw AnswerRejected("\(field) is \(collapsed.count) characters long; write at most \(maximum)")
        }
        return collapsed
    }

    static let daySchema: JSONValue = .object([
        "type": .string("object"), "additionalProperties": .bool(false),
        "required": .array(["lead", "themes"].map(JSONValue.string)),
        "properties": .object([
            "lead": .object(["type": .string("string"), "maxLength": .integer(maximumLeadCharacters)]),
            "themes": .object([
                "type": .string("array"), "minItems": .integer(1), "maxItems": .integer(maximumThemes),
                "items": .object([
                    "type": .string("object"), "additionalProperties": .bool(false),
                    "required": .array(["theme", "stories"].map(JSONValue.string)),
                    "properties": .object([
                        "theme": .object(["type": .string("string"), "maxLength": .integer(maximumThemeCharacters)]),
                        "stories": .object([
                            "type": .string("array"), "minItems": .integer(1),
                            "items": .object([
                                "type": .string("object"), "additionalProperties": .bool(false),
                                "required": .array(["id", "summary"].map(JSONValue.string)),
                                "properties": .object([
                                    "id": .object(["type": .string("integer")]),
                                    "summary": .object(["type": .string("string"), "maxLength": .integer(maximumSummaryCharacters)]),
                                ]),
                            ]),
                        ]),
                    ]),
                ]),
            ]),
        ]),
    ])

    static let weekSchema: JSONValue = .object([
        "type": .string("object"), "additionalProperties": .bool(false),
        "required": .array([.string("overview")]),
        "properties": .object([
            "overview": .object(["type": .string("string"), "maxLength": .integer(maximumOverviewCharacters)]),
        ]),
    ])
}
