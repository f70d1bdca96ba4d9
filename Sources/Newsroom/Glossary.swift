import Foundation
import KawarabanCore

/// The site-wide glossary as the editorial stages use it: which entries an article needs, and the
/// deterministic corrections that make every text use the glossary's rendering of a name
/// whatever the model wrote.
public struct Glossary: Sendable {
    /// Entries one article's prompts and masking take at most, its most mentioned names first:
    /// the prompt stays small and the masking cheap however large the glossary grows.
    public static let maximumEntriesPerArticle = 40

    public let entries: [GlossaryEntry]
    let originals: NameMatcher<Int>

    public init(_ entries: [GlossaryEntry]) {
        self.entries = entries
        originals = NameMatcher(entries.enumerated().map { (name: $0.element.original, value: $0.offset) })
    }

    public static let empty = Glossary([])

    /// The entries whose originals occur in `texts`, most mentioned first (then first seen), at
    /// most `maximumEntriesPerArticle`.
    public func relevant(to texts: [String]) -> Glossary {
        var counts: [Int: (count: Int, first: Int)] = [:]
        var position = 0
        for text in texts {
            for match in originals.matches(in: Array(text)) {
                counts[match.value, default: (0, position)].count += 1
                position += 1
            }
        }
        let chosen = counts.sorted { ($0.value.count, -$0.value.first) > ($1.value.count, -$1.value.first) }
            .prefix(Self.maximumEntriesPerArticle).map { entries[$0.key] }
        return Glossary(chosen)
    }

    /// The text an article's names are looked for in: its title and every block.
    public static func texts(of article: Article) -> [String] {
        [article.title] + article.blocks.map(\.plainText)
    }

    /// The name keys of the entities that may enter the glossary: those the article itself names
    /// (as spelt, on word boundaries), and none from an article that tried to steer the model. A
    /// glossary entry is masked in every later article, so a model talked into calling "The" a
    /// company must not make it one.
    public static func namesToAdopt(from entities: [Entity], of article: Article, suspicious: Bool) -> Set<String> {
        guard !suspicious else { return [] }
        let candidates = Glossary(entities.map { GlossaryEntry(original: $0.name, rendering: $0.rendering, kind: $0.kind, origin: .entity) })
        return Set(candidates.relevant(to: texts(of: article)).entries.map(\.key))
    }

    /// The entries as data for a prompt: one JSON object of original → rendering.
    var promptData: String? {
        guard !entries.isEmpty else { return nil }
        return Prompts.untrusted(Dictionary(entries.map { ($0.original, $0.rendering) }) { first, _ in first })
    }

    /// The analysis written the glossary's way, for `entries` (the entries of the entities it
    /// names and of the names its article spells): every entity the glossary knows takes the
    /// glossary's rendering, and in every text field the answer's own rendering of it, an entry's
    /// original spelling, its earlier renderings and its `aliases` (other renderings seen for it,
    /// by name key) are replaced by the glossary's rendering. A form that is some entry's
    /// rendering is never replaced.
    public static func settle(_ analysis: Analysis, with entries: [GlossaryEntry], aliases: [String: [String]] = [:]) -> Analysis {
        let byKey = Dictionary(entries.map { ($0.key, $0) }) { first, _ in first }
        var corrections = Dictionary(entries.map { ($0.rendering, $0.rendering) }) { first, _ in first }
        func correct(_ variant: String, to entry: GlossaryEntry) {
            if corrections[variant] == nil { corrections[variant] = entry.rendering }
        }
        var settled = analysis
        for (index, entity) in analysis.entities.enumerated() {
            guard let entry = byKey[NameKey.of(entity.name)] else { continue }
            correct(entity.rendering, to: entry)
            settled.entities[index].rendering = entry.rendering
        }
        for entry in byKey.values.sorted(by: { $0.key < $1.key }) {
            for variant in [entry.original] + entry.previousRenderings + (aliases[entry.key] ?? []) { correct(variant, to: entry) }
        }
        let entities = settled.entities
        settled = RenderingFix(corrections).apply(to: settled)
        settled.entities = entities
        return settled
    }
}

/// Replaces names written the wrong way by the right one, leftmost-longest over both, so that a
/// wrong rendering inside a right one (アルトマン inside サム・アルトマン) is left alone.
public struct RenderingFix: Sendable {
    let matcher: NameMatcher<String>

    /// A wrong form shorter than this is never replaced: one character ("氏", "X") is too likely
    /// to be something else.
    static let minimumWrongFormCharacters = 2

    /// `corrections` maps each wrong form to the right one. A form that is itself some right
    /// rendering is never replaced.
    public init(_ corrections: [String: String]) {
        let right = Set(corrections.values)
        let wrong = corrections.filter { !right.contains($0.key) && $0.key.count >= Self.minimumWrongFormCharacters }
            .sorted { $0.key < $1.key }
        matcher = NameMatcher(right.sorted().map { (name: $0, value: $0) } + wrong.map { (name: $0.key, value: $0.value) })
    }

    /// Every earlier rendering of an entry replaced by its rendering now.
    public static func renderingChanges(in entries: [GlossaryEntry]) -> RenderingFix {
        var corrections: [String: String] = [:]
        for entry in entries {
            corrections[entry.rendering] = entry.rendering
            for previous in entry.previousRenderings where corrections[previous] == nil { corrections[previous] = entry.rendering }
        }
        return RenderingFix(corrections)
    }

    public func apply(to text: String) -> String {
        matcher.replacing(in: text) { $0 }
    }

    /// Title, TL;DR, key points, impact, editorial comment, tags and entity renderings.
    public func apply(to analysis: Analysis) -> Analysis {
        var fixed = analysis
        fixed.title = apply(to: analysis.title)
        fixed.tldr = apply(to: analysis.tldr)
        fixed.keyPoints = analysis.keyPoints.map { KeyPoint(heading: apply(to: $0.heading), body: apply(to: $0.body)) }
        fixed.impact = apply(to: analysis.impact)
        fixed.editorial = apply(to: analysis.editorial)
        fixed.tags = analysis.tags.map(apply(to:)).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        for index in fixed.entities.indices { fixed.entities[index].rendering = apply(to: fixed.entities[index].rendering) }
        return fixed
    }

    /// The text of every block; code, link targets and image addresses are left as they are.
    public func apply(to translation: Translation) -> Translation {
        func inline(_ value: Inline) -> Inline {
            switch value {
            case .text(let text): return .text(apply(to: text))
            case .emphasis(let children): return .emphasis(children.map(inline))
            case .strong(let children): return .strong(children.map(inline))
            case .link(let href, let children): return .link(href: href, children.map(inline))
            case .code, .lineBreak: return value
            }
        }
        var fixed = translation
        fixed.blocks = translation.blocks.map { block in
            switch block {
            case .heading(let level, let inlines): return .heading(level: level, inlines.map(inline))
            case .paragraph(let inlines): return .paragraph(inlines.map(inline))
            case .quote(let inlines): return .quote(inlines.map(inline))
            case .list(let ordered, let items): return .list(ordered: ordered, items: items.map { $0.map(inline) })
            case .figure(let src, let alt, let caption): return .figure(src: src, alt: apply(to: alt), caption: caption.map(inline))
            case .code: return block
            }
        }
        return fixed
    }
}

/// The glossary's file format, shared by the seed shipped with Kawaraban, `glossary import` and
/// `glossary export`: one entry a line, original, rendering and kind separated by tabs (the kind
/// may be left out); blank lines and lines starting with # are skipped.
public enum GlossaryFile {
    public static let maximumNameCharacters = NameMatcher<Int>.maximumNameCharacters

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The entries of `text`, or every line that is wrong, with its number.
    public static func parse(_ text: String, origin: GlossaryEntry.Origin) throws(Invalid) -> [GlossaryEntry] {
        var entries: [GlossaryEntry] = []
        var problems: [String] = []
        var seen: Set<String> = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let kind = fields.count > 2 && !fields[2].isEmpty ? EntityKind(rawValue: fields[2]) : nil
            if fields.count < 2 || fields.count > 3 {
                problems.append("line \(number + 1): expected ORIGINAL<tab>RENDERING[<tab>KIND]")
            } else if let problem = problem(original: fields[0], rendering: fields[1]) {
                problems.append("line \(number + 1): \(problem)")
            } else if fields.count > 2 && !fields[2].isEmpty && kind == nil {
                problems.append("line \(number + 1): unknown kind \"\(fields[2].prefix(20))\"; use \(EntityKind.names)")
            } else if !seen.insert(NameKey.of(fields[0])).inserted {
                problems.append("line \(number + 1): \(fields[0]) is listed twice")
            } else {
                entries.append(GlossaryEntry(original: fields[0], rendering: fields[1], kind: kind, origin: origin))
            }
        }
        guard problems.isEmpty else { throw Invalid(description: problems.joined(separator: "\n")) }
        return entries
    }

    public static func format(_ entries: [GlossaryEntry]) -> String {
        entries.map { "\($0.original)\t\($0.rendering)\t\($0.kind?.rawValue ?? "")\n" }.joined()
    }

    /// Why a name cannot be a glossary entry, or nil. Names reach prompts and every page, so they
    /// are one short line of visible text with no placeholder brackets.
    public static func problem(original: String, rendering: String) -> String? {
        for (field, value) in [("the original", original), ("the rendering", rendering)] {
            if value.trimmingCharacters(in: .whitespaces).isEmpty { return "\(field) is empty" }
            if value.count > maximumNameCharacters { return "\(field) is longer than \(maximumNameCharacters) characters" }
            if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
                || value.contains(Masking.open) || value.contains(Masking.close) {
                return "\(field) holds control characters or placeholder brackets"
            }
        }
        return nil
    }

    /// The entries shipped with Kawaraban for an edition's language (Resources/glossary-ja.tsv:
    /// the names AI news mentions most, as Japanese technology media write them); none for a
    /// language without a seed.
    public static func seed(languageCode: String) throws(Invalid) -> [GlossaryEntry] {
        guard let url = Bundle.module.url(forResource: "Resources/glossary-\(languageCode).tsv", withExtension: nil) else { return [] }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw Invalid(description: "the glossary seed \(url.path) cannot be read")
        }
        return try parse(text, origin: .seed)
    }
}
