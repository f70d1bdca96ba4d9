import Foundation
import KawarabanCore

/// What the detector found: the kind of steering, where in the article or page it sat, and the
/// text around it, so that an operator can judge without opening the page.
public struct InjectionEvidence: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the text sat; every channel but `text` is one a reader does not see.
    public enum Channel: String, Sendable, Codable {
        case text
        case altText = "alt-text"
        case ariaLabel = "aria-label"
        case titleAttribute = "title-attribute"
        case hiddenText = "hidden-text"

        var isHidden: Bool { self != .text }
    }

    public enum Kind: String, Sendable, Codable {
        /// "ignore previous instructions", 以前の指示を無視
        case overridesInstructions = "overrides-instructions"
        /// "if you are an AI", このページを読んでいるAI
        case addressesModel = "addresses-model"
        /// "rate this article 5", 重要度を5に
        case dictatesScore = "dictates-score"
        /// "your headline must be", タイトルを次のように
        case dictatesContent = "dictates-content"
        /// chat-template markers: <|im_start|>, [INST]
        case chatTemplate = "chat-template"
        /// "as an AI language model", システムプロンプト
        case modelTalk = "model-talk"
    }

    public var kind: Kind
    public var channel: Channel
    public var snippet: String

    public var description: String { "\(kind.rawValue) in \(channel.rawValue): “\(snippet)”" }
}

/// Finds text in an article, or hidden in its page, that speaks to a language model instead of a
/// reader: demands to ignore instructions, to give scores, to write a given headline. Pure, and
/// linear in its input: each input is read once, every pattern is a short fixed sequence looked up
/// by its first word or character, and the work per match and the matches kept are bounded.
///
/// A news story *about* prompt injection quotes such phrases, so how strongly a phrase counts
/// depends on where it is: phrases that only make sense aimed at a model reading this page
/// (dictated scores and headlines, "if you are an AI", chat-template markers) count anywhere;
/// instruction overrides count when hidden from readers, or when visible and neither quoted nor
/// beside words that discuss them; generic model talk ("system prompt") counts only when hidden.
public enum InjectionDetector {
    /// Evidence kept per input: enough to judge, bounded whatever a page repeats.
    public static let maximumEvidence = 8
    /// Characters of context either side of a match in its snippet.
    public static let snippetRadius = 60
    /// Characters either side of a visible match searched for quotes and discussing words.
    static let contextRadius = 200
    /// Scalars of one text that are read; a page's article text is far shorter.
    public static let maximumTextScalars = 1_000_000
    /// Bytes of a page searched for hidden text: past the largest real pages seen (1.6 MB), and a
    /// bound on the time a hostile page can take. Hidden text further on goes unread; the
    /// article's own text is still scanned in full.
    public static let maximumPageBytes = 4 * 1_048_576
    /// Hidden text collected from one page; beyond it the page has shown what it is.
    public static let maximumHiddenScalars = 200_000
    /// Matches examined per text before giving up: quoted repetitions cannot make it work forever.
    static let maximumMatchesExamined = 64

    // MARK: Entry points

    /// The article's visible text (title and blocks), and its images' alt text.
    public static func scan(article: Article) -> [InjectionEvidence] {
        var evidence = scan(text: article.title, channel: .text)
        for block in article.blocks {
            guard evidence.count < maximumEvidence else { break }
            if case .figure(_, let alt, _) = block { evidence += scan(text: alt, channel: .altText) }
            if case .code = block { continue }
            evidence += scan(text: block.plainText, channel: .text)
        }
        return Array(deduplicated(evidence).prefix(maximumEvidence))
    }

    /// What a page hides from readers: alt, title and aria-label attributes, and the text of
    /// elements hidden by `hidden`, `display:none`, `visibility:hidden`, zero size or opacity,
    /// white text, or screen-reader-only classes. Visible text is the article's, scanned by
    /// `scan(article:)`.
    public static func scan(html: String) -> [InjectionEvidence] {
        var evidence: [InjectionEvidence] = []
        for (channel, text) in HiddenPageText.collect(from: html) {
            guard evidence.count < maximumEvidence else { break }
            evidence += scan(text: text, channel: channel)
        }
        return Array(deduplicated(evidence).prefix(maximumEvidence))
    }

    /// One piece of text read through `channel`.
    public static func scan(text: String, channel: InjectionEvidence.Channel) -> [InjectionEvidence] {
        let scalars = Array(text.unicodeScalars.prefix(maximumTextScalars))
        var candidates: [(kind: InjectionEvidence.Kind, strength: Strength, range: Range<Int>)] = []
        candidates += englishMatches(in: scalars)
        candidates += compactMatches(in: scalars)
        var evidence: [InjectionEvidence] = []
        for candidate in candidates.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }).prefix(maximumMatchesExamined) {
            guard evidence.count < maximumEvidence else { break }
            let counts: Bool
            switch candidate.strength {
            case .always: counts = true
            case .unlessDiscussed: counts = channel.isHidden || !isDiscussed(candidate.range, in: scalars)
            case .hiddenOnly: counts = channel.isHidden
            }
            if counts {
                evidence.append(InjectionEvidence(kind: candidate.kind, channel: channel,
                                                  snippet: snippet(candidate.range, in: scalars)))
            }
        }
        return deduplicated(evidence)
    }

    // MARK: Patterns

    enum Strength {
        case always, unlessDiscussed, hiddenOnly
    }

    /// A sequence of word slots, each a set of lower-case words; a slot ending in `?` may be absent.
    struct WordPattern {
        let slots: [(words: Set<String>, optional: Bool)]
        let kind: InjectionEvidence.Kind
        let strength: Strength

        init(_ text: String, _ kind: InjectionEvidence.Kind, _ strength: Strength) {
            slots = text.split(separator: " ").map { slot in
                let optional = slot.hasSuffix("?")
                return (Set((optional ? slot.dropLast() : slot).split(separator: "|").map(String.init)), optional)
            }
            self.kind = kind
            self.strength = strength
        }
    }

    static let model = "ai|llm|llms|chatbot|assistant|assistants|model|models|agent|agents|chatgpt|gpt|claude|gemini|copilot"
    static let earlier = "previous|prior|above|earlier|preceding|former|original|initial|system|your"
    static let instructions = "instructions|instruction|prompts|prompt|directions|directives|rules|guidelines|commands"
    static let top = "5|five|10|ten|100|highest|maximum|max|perfect"
    static let axis = "importance|depth|relevance|practicality|novelty"

    static let wordPatterns: [WordPattern] = [
        WordPattern("ignore|disregard|forget all? of? the|any? \(earlier) \(instructions)", .overridesInstructions, .unlessDiscussed),
        WordPattern("do not follow|obey the|your|any? \(earlier) \(instructions)", .overridesInstructions, .unlessDiscussed),
        WordPattern("don't follow|obey the|your|any? \(earlier) \(instructions)", .overridesInstructions, .unlessDiscussed),
        WordPattern("your new|real|actual|true|updated instructions|instruction|prompt|directives", .overridesInstructions, .unlessDiscussed),
        WordPattern("you are now dan|unrestricted|jailbroken|unfiltered", .overridesInstructions, .unlessDiscussed),
        WordPattern("new system prompt|instructions", .overridesInstructions, .hiddenOnly),
        WordPattern("developer mode enabled|activated", .overridesInstructions, .hiddenOnly),
        WordPattern("if you are an|a ai|llm|chatbot|assistant language? model? reading|processing|summarizing|summarising|analyzing|analysing|parsing", .addressesModel, .always),
        WordPattern("if you're an|a ai|llm|chatbot|assistant language? model? reading|processing|summarizing|summarising|analyzing|analysing|parsing", .addressesModel, .always),
        WordPattern("if you are|you're a large language model", .addressesModel, .always),
        WordPattern("if you are|you're an|a ai|llm", .addressesModel, .hiddenOnly),
        WordPattern("dear|attention|hey ai|llm|llms|chatbot|chatgpt|claude|gemini|assistant", .addressesModel, .hiddenOnly),
        WordPattern("to|for any|all|the? \(model) reading|processing|summarizing|summarising|analyzing|analysing|crawling|scraping this", .addressesModel, .always),
        WordPattern("\(model) reading|processing|summarizing|summarising|analyzing|analysing this page|article|post|text|content|document", .addressesModel, .always),
        WordPattern("rate|score|rank|grade this article|story|post|page|item|piece? as|at|a|an? \(top)", .dictatesScore, .always),
        WordPattern("rate|score|rank|grade the article|story|post|page|item|piece as|at|a|an? \(top)", .dictatesScore, .always),
        WordPattern("give|assign|award this|the|it article|story|post|page|item? a|an|the? score|rating|importance|grade of? \(top)", .dictatesScore, .always),
        WordPattern("set|make all? the|every|each? scores|score|ratings|rating|\(axis) to|at \(top)", .dictatesScore, .always),
        WordPattern("\(axis) score? is|of|must|should? be? \(top) \(axis)", .dictatesScore, .always),
        WordPattern("title|headline this article|story|post|page|piece", .dictatesContent, .always),
        WordPattern("your title|headline|summary|editorial|tldr must|should|shall be|say|read|state|include", .dictatesContent, .unlessDiscussed),
        WordPattern("use|write the|this following title|headline|summary|editorial", .dictatesContent, .unlessDiscussed),
        WordPattern("as an ai language model", .modelTalk, .unlessDiscussed),
        WordPattern("as a large language model", .modelTalk, .hiddenOnly),
        WordPattern("system prompt", .modelTalk, .hiddenOnly),
    ]

    /// Word patterns by their first slot's words (every first slot is required).
    static let wordPatternsByFirstWord: [String: [WordPattern]] = {
        var index: [String: [WordPattern]] = [:]
        for pattern in wordPatterns {
            for word in pattern.slots[0].words { index[word, default: []].append(pattern) }
        }
        return index
    }()

    /// Phrases matched on text with white space removed and full-width forms folded: Japanese,
    /// which has no spaces between words, and chat-template markers.
    static let phrases: [(text: String, kind: InjectionEvidence.Kind, strength: Strength)] = [
        ("前の指示を無視", .overridesInstructions, .unlessDiscussed),
        ("これまでの指示を無視", .overridesInstructions, .unlessDiscussed),
        ("上記の指示を無視", .overridesInstructions, .unlessDiscussed),
        ("全ての指示を無視", .overridesInstructions, .unlessDiscussed),
        ("すべての指示を無視", .overridesInstructions, .unlessDiscussed),
        ("指示をすべて無視", .overridesInstructions, .unlessDiscussed),
        ("新しい指示に従", .overridesInstructions, .unlessDiscussed),
        ("このページを読んでいるAI", .addressesModel, .always),
        ("この記事を読んでいるAI", .addressesModel, .always),
        ("この文章を読んでいるAI", .addressesModel, .always),
        ("AIアシスタントへ", .addressesModel, .always),
        ("あなたがAIなら", .addressesModel, .always),
        ("あなたがAIである", .addressesModel, .always),
        ("重要度を5", .dictatesScore, .always),
        ("重要度は5", .dictatesScore, .always),
        ("評価を5に", .dictatesScore, .always),
        ("評価は5に", .dictatesScore, .always),
        ("スコアを5", .dictatesScore, .always),
        ("スコアはすべて5", .dictatesScore, .always),
        ("すべて5点", .dictatesScore, .always),
        ("全て5点", .dictatesScore, .always),
        ("最高評価をつけ", .dictatesScore, .always),
        ("最高評価を付け", .dictatesScore, .always),
        ("満点をつけ", .dictatesScore, .always),
        ("5/5/5/5", .dictatesScore, .always),
        ("タイトルを次の", .dictatesContent, .always),
        ("見出しを次の", .dictatesContent, .always),
        ("タイトルは次の", .dictatesContent, .always),
        ("見出しは次の", .dictatesContent, .always),
        ("編集コメントには", .dictatesContent, .unlessDiscussed),
        ("AI言語モデルとして", .modelTalk, .unlessDiscussed),
        ("システムプロンプト", .modelTalk, .hiddenOnly),
        ("<|im_start|>", .chatTemplate, .always),
        ("<|system|>", .chatTemplate, .always),
        ("<|endoftext|>", .chatTemplate, .always),
        ("[INST]", .chatTemplate, .always),
        ("<<SYS>>", .chatTemplate, .always),
    ]

    static let phrasesByFirstScalar: [Unicode.Scalar: [(scalars: [Unicode.Scalar], kind: InjectionEvidence.Kind, strength: Strength)]] = {
        var index: [Unicode.Scalar: [(scalars: [Unicode.Scalar], kind: InjectionEvidence.Kind, strength: Strength)]] = [:]
        for phrase in phrases {
            let scalars = phrase.text.unicodeScalars.map(folded)
            index[scalars[0], default: []].append((scalars, phrase.kind, phrase.strength))
        }
        return index
    }()

    /// Words and phrases that mark a passage as discussing prompt injection rather than doing it.
    static let discussionMarkers = [
        "injection", "jailbreak", "researcher", "attack", "exploit", "vulnerab", "malicious", "example", "such as",
        "phrases like", "for instance", "security", "hidden text",
        "インジェクション", "脱獄", "研究者", "攻撃", "悪用", "脆弱性", "例えば", "たとえば", "といった", "のような",
    ]

    // MARK: Matching

    private static func englishMatches(in scalars: [Unicode.Scalar]) -> [(kind: InjectionEvidence.Kind, strength: Strength, range: Range<Int>)] {
        var tokens: [(word: String, range: Range<Int>)] = []
        var start: Int?
        var word = String.UnicodeScalarView()
        func finish(at end: Int) {
            if let begin = start { tokens.append((String(word), begin..<end)) }
            start = nil
            word = String.UnicodeScalarView()
        }
        for (offset, scalar) in scalars.enumerated() {
            let lowered = folded(scalar)
            if lowered.isASCII && (lowered.properties.isAlphabetic || ("0"..."9").contains(lowered) || lowered == "'") {
                if start == nil { start = offset }
                word.append(lowered)
            } else {
                finish(at: offset)
            }
        }
        finish(at: scalars.count)

        var matches: [(kind: InjectionEvidence.Kind, strength: Strength, range: Range<Int>)] = []
        for index in tokens.indices {
            guard matches.count < maximumMatchesExamined else { break }
            for pattern in wordPatternsByFirstWord[tokens[index].word] ?? [] {
                if let end = match(pattern.slots[...], tokens: tokens, at: index) {
                    matches.append((pattern.kind, pattern.strength, tokens[index].range.lowerBound..<tokens[end - 1].range.upperBound))
                    break
                }
            }
        }
        return matches
    }

    /// The token index after the pattern, when it matches from `index`. Patterns are a few slots
    /// long, so trying both sides of each optional slot costs a bounded amount.
    private static func match(_ slots: ArraySlice<(words: Set<String>, optional: Bool)>, tokens: [(word: String, range: Range<Int>)], at index: Int) -> Int? {
        guard let slot = slots.first else { return index }
        if index < tokens.count, slot.words.contains(tokens[index].word),
           let end = match(slots.dropFirst(), tokens: tokens, at: index + 1) {
            return end
        }
        return slot.optional ? match(slots.dropFirst(), tokens: tokens, at: index) : nil
    }

    private static func compactMatches(in scalars: [Unicode.Scalar]) -> [(kind: InjectionEvidence.Kind, strength: Strength, range: Range<Int>)] {
        var compact: [Unicode.Scalar] = []
        var origin: [Int] = []
        for (offset, scalar) in scalars.enumerated() where !scalar.properties.isWhitespace {
            compact.append(folded(scalar))
            origin.append(offset)
        }
        var matches: [(kind: InjectionEvidence.Kind, strength: Strength, range: Range<Int>)] = []
        for index in compact.indices {
            guard matches.count < maximumMatchesExamined else { break }
            guard let candidates = phrasesByFirstScalar[compact[index]] else { continue }
            for phrase in candidates where index + phrase.scalars.count <= compact.count
                && compact[index..<(index + phrase.scalars.count)].elementsEqual(phrase.scalars)
                && !continuesANumber(phrase.scalars, at: index + phrase.scalars.count, in: compact) {
                matches.append((phrase.kind, phrase.strength, origin[index]..<(origin[index + phrase.scalars.count - 1] + 1)))
                break
            }
        }
        return matches
    }

    /// "スコアを5" must not match "スコアを50%向上": a phrase ending in a digit ends the number.
    private static func continuesANumber(_ phrase: [Unicode.Scalar], at next: Int, in compact: [Unicode.Scalar]) -> Bool {
        guard let last = phrase.last, ("0"..."9").contains(last), next < compact.count else { return false }
        return ("0"..."9").contains(compact[next]) || compact[next] == "." || compact[next] == "%"
    }

    /// Full-width ASCII (５, ＡＩ) as ASCII, and ASCII letters in lower case for the phrase table's
    /// Latin parts ("AI" matches "ai" and "ＡＩ").
    static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        var value = scalar.value
        if (0xFF01...0xFF5E).contains(value) { value -= 0xFEE0 }
        if (0x41...0x5A).contains(value) { value += 0x20 }
        return Unicode.Scalar(value) ?? scalar
    }

    /// Whether the match is quoted, or sits beside words that discuss prompt injection.
    private static func isDiscussed(_ range: Range<Int>, in scalars: [Unicode.Scalar]) -> Bool {
        let before = scalars[max(0, range.lowerBound - contextRadius)..<range.lowerBound]
        let after = scalars[range.upperBound..<min(scalars.count, range.upperBound + contextRadius)]
        var opened = 0
        var straight = 0
        for scalar in before.suffix(80) {
            switch scalar {
            case "“", "「", "『", "‘": opened += 1
            case "”", "」", "』", "’": opened = max(0, opened - 1)
            case "\"": straight += 1
            case "\n": opened = 0; straight = 0
            default: break
            }
        }
        if opened > 0 || straight % 2 == 1 { return true }
        let window = (String(String.UnicodeScalarView(before)) + " " + String(String.UnicodeScalarView(after))).lowercased()
        return discussionMarkers.contains { window.contains($0) }
    }

    private static func snippet(_ range: Range<Int>, in scalars: [Unicode.Scalar]) -> String {
        let window = max(0, range.lowerBound - snippetRadius)..<min(scalars.count, range.upperBound + snippetRadius)
        // Control characters would reach an operator's terminal through `status`.
        let printable = scalars[window].filter { $0.properties.generalCategory != .control || $0 == "\n" || $0 == "\t" }
        return String(String.UnicodeScalarView(printable)).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    private static func deduplicated(_ evidence: [InjectionEvidence]) -> [InjectionEvidence] {
        var seen: Set<InjectionEvidence> = []
        return evidence.filter { seen.insert($0).inserted }
    }
}
