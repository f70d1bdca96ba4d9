import Foundation
import KawarabanCore
import LLM

/// Translates an article body block by block. Code blocks are never sent; every other piece of
/// text goes out masked and comes back only if each placeholder returned exactly once.
///
/// Cost is bounded twice: only the blocks within `maximumCharacters` are translated (the
/// translation is then a prefix of the article, and the page says where it ends), and every
/// translated segment goes into the translation memory (the client's ledger) as soon as its batch
/// is answered. A segment the memory holds, for the same masked source, model, language and
/// prompt, is never sent again: a retry after a failed batch pays only for the batches still
/// missing, and a changed article, or another article quoting the same text, only for the
/// segments that are new.
public struct Translator: Sendable {
    /// Characters of source text per request: large enough for context, small enough for any model.
    public static let batchCharacters = 4_000
    /// Source characters translated per article unless configured: a long feature (about 5,000
    /// English words); the rest of a longer article is left to the original.
    public static let defaultMaximumCharacters = 30_000
    /// Room for a batch's translation: Japanese takes about a token a character, plus the JSON around it.
    static func answerTokens(for batch: [Segment]) -> Int {
        batch.reduce(256) { $0 + $1.masked.text.count * 2 }
    }

    let client: ChatClient
    let edition: Edition
    let maximumCharacters: Int
    let now: @Sendable () -> Date

    public init(client: ChatClient, edition: Edition, maximumCharacters: Int = Translator.defaultMaximumCharacters,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.client = client
        self.edition = edition
        self.maximumCharacters = maximumCharacters
        self.now = now
    }

    /// A piece of text to translate, and where it goes back.
    struct Segment: Sendable {
        var id: String
        var masked: Masking.Masked
        /// Prose whose register is checked: a paragraph. Headings, list items and captions are
        /// fragments, and a quotation is someone else's voice.
        var isProse = false
        /// Nothing but glossary names (a heading "Sam Altman"): its renderings are its translation,
        /// with no call.
        var isOnlyNames = false
    }

    struct Wire: Codable, Sendable {
        struct Entry: Codable, Sendable { var id: String; var text: String }
        var segments: [Entry]
    }

    /// The translation of the blocks that fit within `maximumCharacters`: segments the translation
    /// memory holds are taken from it, the others are sent in batches and remembered. The
    /// glossary's names are masked and come back as its renderings (`Glossary.relevant(to:)`
    /// bounds how many).
    public func translate(_ blocks: [Block], glossary: Glossary = .empty) async throws(NewsroomError) -> Translation {
        try await translateCounting(blocks, glossary: glossary).translation
    }

    /// `translate`, with how its answers went (for `kawaraban eval`).
    public func translateCounting(_ blocks: [Block], glossary: Glossary = .empty)
        async throws(NewsroomError) -> (translation: Translation, tally: AnswerTally) {
        var tally = AnswerTally()
        guard !Self.segments(of: blocks).isEmpty else { throw .emptyArticle }
        let covered = Array(blocks.prefix(Self.blocksWithin(maximumCharacters, of: blocks)))
        let segments = Self.segments(of: covered, names: glossary)
        var translated: [String: [Inline]] = [:]
        var missing: [Segment] = []
        var remembered = 0
        for segment in segments {
            if segment.isOnlyNames {
                translated[segment.id] = try? Masking.unmask(segment.masked.text, marks: segment.masked.marks)
            } else if let kept = await client.ledger?.cachedAnswer(for: memoryKey(segment)),
                      let inlines = try? Masking.unmask(kept, marks: segment.masked.marks) {
                translated[segment.id] = inlines
                remembered += 1
            } else {
                missing.append(segment)
            }
        }
        if remembered > 0 { await client.recordCacheHit(task: .translation) }
        var model = client.configuration(for: .translation).model
        var qualityNotes: [String] = []
        for batch in Self.batches(missing) {
            let answer = try await translate(batch, glossary: glossary)
            tally.add(answer)
            qualityNotes += answer.qualityNotes
            for segment in batch {
                guard let text = answer.value[segment.id] else { continue }
                translated[segment.id] = try? Masking.unmask(text, marks: segment.masked.marks)
                await client.ledger?.storeAnswer(text, for: memoryKey(segment))
            }
            model = answer.model
        }
        let translation = Translation(language: edition.languageCode, blocks: Self.rebuild(covered, with: translated),
                                      translatedAt: now(), model: model,
                                      qualityNotes: qualityNotes.isEmpty ? nil : qualityNotes)
        return (translation, tally)
    }

    /// The kind of answer the translation memory keeps: one masked segment's translation.
    public static let memoryKind = "translation.segment"

    /// A segment's place in the translation memory: its masked source text, under the model, the
    /// target language and the translation prompt (so that a new prompt starts a new memory).
    func memoryKey(_ segment: Segment) -> AnswerKey {
        AnswerKey(kind: Self.memoryKind, model: client.configuration(for: .translation).model,
                  promptVersion: AnswerKey.digest([edition.languageCode, Prompts.translation(edition: edition)]),
                  contentHash: AnswerKey.digest([segment.masked.text]))
    }

    /// How many leading blocks fit within `limit` characters of text to translate. A block is
    /// never split, and blocks with nothing to translate (code) cost nothing.
    static func blocksWithin(_ limit: Int, of blocks: [Block]) -> Int {
        var used = 0
        for (index, block) in blocks.enumerated() {
            used += segments(of: [block]).reduce(0) { $0 + $1.masked.text.count }
            if used > limit { return index }
        }
        return blocks.count
    }

    /// The batch's masked translations by segment id, each checked to unmask.
    private func translate(_ batch: [Segment], glossary: Glossary) async throws(NewsroomError) -> StructuredAnswer<[String: String]> {
        let payload = Wire(segments: batch.map { Wire.Entry(id: $0.id, text: $0.masked.text) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let request = ChatRequest(
            task: .translation, messages: [.system(Prompts.translation(edition: edition) + Prompts.glossaryNote(glossary)),
                       .user(String(decoding: (try? encoder.encode(payload)) ?? Data(), as: UTF8.self))],
            responseSchema: ResponseSchema(name: "translation", schema: Self.schema), temperature: 0.2,
            maximumTokens: Self.answerTokens(for: batch))
        let edition = self.edition
        do {
            return try await client.completeJSON(request, as: Wire.self, purpose: "translation") { answer in
                try Self.validate(answer, batch: batch, edition: edition)
            }
        } catch {
            throw .llm(error)
        }
    }

    /// The batch's translations by segment id, or why they are refused. Prose that leaves the
    /// body's register is flawed (`AnswerFlaw`): asked again once, then accepted with a note. Every
    /// batch of an article is held to the same register, so a body cannot switch between batches.
    static func validate(_ answer: Wire, batch: [Segment], edition: Edition) throws -> [String: String] {
        let languageCode = edition.languageCode
        let expected = Dictionary(uniqueKeysWithValues: batch.map { ($0.id, $0.masked) })
        var result: [String: String] = [:]
        for entry in answer.segments {
            guard let masked = expected[entry.id] else { throw AnswerRejected("segment id \(entry.id) was not asked for") }
            guard result[entry.id] == nil else { throw AnswerRejected("segment id \(entry.id) appears twice") }
            do {
                _ = try Masking.unmask(entry.text, marks: masked.marks)
                result[entry.id] = entry.text
            } catch {
                throw AnswerRejected("segment \(entry.id): \(error.description)")
            }
            if entry.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw AnswerRejected("segment \(entry.id) is empty")
            }
        }
        let missing = batch.map(\.id).filter { result[$0] == nil }
        guard missing.isEmpty else { throw AnswerRejected("segments \(missing.joined(separator: ", ")) are missing") }
        let translatedText = answer.segments.map(\.text).joined(separator: "\n")
        if let problem = LanguageCheck.problem(in: translatedText, languageCode: languageCode, shortTextMayBeLatin: true) {
            throw AnswerRejected("the translation must be in the target language, but \(problem)")
        }
        if edition.checksRegister {
            let prose = batch.filter(\.isProse).compactMap { result[$0.id].map(Masking.withoutPlaceholders) }
            if let problem = RegisterCheck.problem(in: prose.joined(separator: "\n"), expected: edition.style.body) {
                throw AnswerFlaw(value: result, reason: "the body must be in one register: \(problem)")
            }
        }
        return result
    }

    /// Every translatable piece of text, with an id that says where it belongs.
    static func segments(of blocks: [Block], names: Glossary = .empty) -> [Segment] {
        var segments: [Segment] = []
        func add(_ id: String, _ inlines: [Inline], isProse: Bool = false) {
            let masked = Masking.mask(inlines, names: names)
            // Text that is all placeholders or space has nothing to translate.
            if Masking.withoutPlaceholders(masked.text).contains(where: { $0.isLetter }) {
                segments.append(Segment(id: id, masked: masked, isProse: isProse))
            } else if masked.namesMasked > 0 {
                segments.append(Segment(id: id, masked: masked, isOnlyNames: true))
            }
        }
        for (index, block) in blocks.enumerated() {
            switch block {
            case .paragraph(let inlines):
                add("\(index)", inlines, isProse: true)
            case .heading(_, let inlines), .quote(let inlines):
                add("\(index)", inlines)
            case .list(_, let items):
                for (item, inlines) in items.enumerated() { add("\(index).\(item)", inlines) }
            case .figure(_, let alt, let caption):
                add("\(index).alt", [.text(alt)])
                add("\(index).caption", caption)
            case .code:
                continue
            }
        }
        return segments
    }

    static func batches(_ segments: [Segment]) -> [[Segment]] {
        var batches: [[Segment]] = []
        var current: [Segment] = []
        var size = 0
        for segment in segments {
            if !current.isEmpty && size + segment.masked.text.count > batchCharacters {
                batches.append(current)
                current = []
                size = 0
            }
            current.append(segment)
            size += segment.masked.text.count
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// The blocks with each translated piece in place; untranslated pieces stay as they were.
    static func rebuild(_ blocks: [Block], with translated: [String: [Inline]]) -> [Block] {
        blocks.enumerated().map { index, block in
            switch block {
            case .heading(let level, let inlines):
                return .heading(level: level, translated["\(index)"] ?? inlines)
            case .paragraph(let inlines):
                return .paragraph(translated["\(index)"] ?? inlines)
            case .quote(let inlines):
                return .quote(translated["\(index)"] ?? inlines)
            case .list(let ordered, let items):
                return .list(ordered: ordered, items: items.enumerated().map { translated["\(index).\($0.offset)"] ?? $0.element })
            case .figure(let src, let alt, let caption):
                return .figure(src: src, alt: translated["\(index).alt"]?.plainText ?? alt,
                               caption: translated["\(index).caption"] ?? caption)
            case .code:
                return block
            }
        }
    }

    static let schema: JSONValue = .object([
        "type": .string("object"), "additionalProperties": .bool(false), "required": .array([.string("segments")]),
        "properties": .object([
            "segments": .object([
                "type": .string("array"),
                "items": .object([
                    "type": .string("object"), "additionalProperties": .bool(false),
                    "required": .array([.string("id"), .string("text")]),
                    "properties": .object(["id": .object(["type": .string("string")]),
                                           "text": .object(["type": .string("string")])]),
                ]),
            ]),
        ]),
    ])
}
