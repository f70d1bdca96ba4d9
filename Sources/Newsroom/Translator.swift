import Foundation
import KawarabanCore
import LLM

/// Translates an article body block by block. Code blocks are never sent; every other piece of
/// text goes out masked and comes back only if each placeholder returned exactly once.
///
/// Cost is bounded twice: only the blocks within `maximumCharacters` are translated (the
/// translation is then a prefix of the article, and the page says where it ends), and every
/// finished batch is reported as progress, so that a retry after a failed batch is given that
/// progress back and pays only for the batches still missing.
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
    }

    struct Wire: Codable, Sendable {
        struct Entry: Codable, Sendable { var id: String; var text: String }
        var segments: [Entry]
    }

    /// The translation of the blocks that fit within `maximumCharacters`. Batches whose every
    /// segment `progress` already holds (for the same source text) are not sent again; after
    /// each batch that is, `onProgress` gets everything finished so far.
    public func translate(
        _ blocks: [Block], resumingFrom progress: TranslationProgress = TranslationProgress(),
        onProgress: @Sendable (TranslationProgress) async -> Void = { _ in }
    ) async throws(NewsroomError) -> Translation {
        try await translateCounting(blocks, resumingFrom: progress, onProgress: onProgress).translation
    }

    /// `translate`, with how its answers went (for `kawaraban eval`).
    public func translateCounting(
        _ blocks: [Block], resumingFrom progress: TranslationProgress = TranslationProgress(),
        onProgress: @Sendable (TranslationProgress) async -> Void = { _ in }
    ) async throws(NewsroomError) -> (translation: Translation, tally: AnswerTally) {
        var tally = AnswerTally()
        guard !Self.segments(of: blocks).isEmpty else { throw .emptyArticle }
        let covered = Array(blocks.prefix(Self.blocksWithin(maximumCharacters, of: blocks)))
        let segments = Self.segments(of: covered)
        var finished = progress
        for batch in Self.batches(segments) {
            if batch.allSatisfy({ finished.translation(of: $0) != nil }) { continue }
            let answer = try await translate(batch)
            tally.add(answer)
            for segment in batch {
                if let text = answer.value[segment.id] {
                    finished.pieces[segment.id] = TranslationProgress.Piece(source: segment.masked.text, text: text)
                }
            }
            finished.model = answer.model
            if !answer.qualityNotes.isEmpty { finished.qualityNotes = (finished.qualityNotes ?? []) + answer.qualityNotes }
            await onProgress(finished)
        }
        let translated = segments.reduce(into: [String: [Inline]]()) { result, segment in
            result[segment.id] = finished.translation(of: segment)
        }
        let translation = Translation(language: edition.languageCode, blocks: Self.rebuild(covered, with: translated),
                                      translatedAt: now(), model: finished.model ?? client.configuration.model,
                                      qualityNotes: finished.qualityNotes)
        return (translation, tally)
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
    private func translate(_ batch: [Segment]) async throws(NewsroomError) -> StructuredAnswer<[String: String]> {
        let payload = Wire(segments: batch.map { Wire.Entry(id: $0.id, text: $0.masked.text) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let request = ChatRequest(
            task: .translation, messages: [.system(Prompts.translation(edition: edition)),
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
    static func segments(of blocks: [Block]) -> [Segment] {
        var segments: [Segment] = []
        func add(_ id: String, _ inlines: [Inline], isProse: Bool = false) {
            let masked = Masking.mask(inlines)
            // Text that is all placeholders or space has nothing to translate.
            if Masking.withoutPlaceholders(masked.text).contains(where: { $0.isLetter }) {
                segments.append(Segment(id: id, masked: masked, isProse: isProse))
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

/// The segments of an article translated so far, masked, each with the masked source it was made
/// from. Stored with the item between attempts and trusted no further than a check: a piece is
/// reused only for the very source text it translates, and only if its placeholders still unmask
/// against the article as it is now (so a changed link target is taken from the article, never
/// from the stored piece).
public struct TranslationProgress: Sendable, Hashable, Codable {
    public struct Piece: Sendable, Hashable, Codable {
        public var source: String
        public var text: String
    }

    public var pieces: [String: Piece]
    /// The model that translated the latest batch.
    public var model: String?
    /// The quality notes of the batches finished so far (see `Translation.qualityNotes`).
    public var qualityNotes: [String]?

    public init(pieces: [String: Piece] = [:], model: String? = nil, qualityNotes: [String]? = nil) {
        self.pieces = pieces
        self.model = model
        self.qualityNotes = qualityNotes
    }

    public var isEmpty: Bool { pieces.isEmpty }

    func translation(of segment: Translator.Segment) -> [Inline]? {
        guard let piece = pieces[segment.id], piece.source == segment.masked.text else { return nil }
        return try? Masking.unmask(piece.text, marks: segment.masked.marks)
    }
}
