import KawarabanCore

/// Which register each sentence of a Japanese text ends in, in one pass over the text with memory
/// bounded by constants, so that any answer a model returns can be checked.
///
/// A sentence ends at 。！？!? or a line break. Its register is read from its last few characters
/// outside quotations: 〜です・〜ます・〜ました・〜でした・〜ません・〜でしょう are polite; 〜だ・〜である・
/// 〜た・〜ない・〜する and any other verb or adjective ending are plain; everything else is neutral
/// (体言止め, a name, a number). Text inside 「」『』“” is someone else's voice and never counts;
/// list lines (・, -, •) are neutral. Sentence particles (か, ね, よ) are looked through.
public enum RegisterCheck {
    /// How many sentences of each register a text has, with the first few of each to quote.
    public struct Profile: Sendable, Hashable {
        public var plainSentences = 0
        public var politeSentences = 0
        public var plainExamples: [String] = []
        public var politeExamples: [String] = []

        public func sentences(in register: Register) -> Int {
            register == .plain ? plainSentences : politeSentences
        }

        public func examples(in register: Register) -> [String] {
            register == .plain ? plainExamples : politeExamples
        }

        /// Neither register appears, or only one.
        public var isConsistent: Bool { plainSentences == 0 || politeSentences == 0 }

        mutating func record(_ register: Register, excerpt: String) {
            switch register {
            case .plain:
                plainSentences += 1
                if plainExamples.count < RegisterCheck.examplesKept { plainExamples.append(excerpt) }
            case .polite:
                politeSentences += 1
                if politeExamples.count < RegisterCheck.examplesKept { politeExamples.append(excerpt) }
            }
        }
    }

    /// Sentences quoted in a reason: enough for the model to find them.
    static let examplesKept = 3
    /// Characters of a sentence kept for its quotation (the end, which shows the register).
    static let excerptCharacters = 40
    /// Characters of a sentence's end that decide its register; the longest ending is 〜ませんでした.
    static let endingCharacters = 8

    static let politeEndings = ["です", "ます", "ました", "でした", "ません", "でしょう", "ましょう", "ください"]
    /// The last kana of plain predicates: verbs (う-row), past and copula (た, だ), adjectives and
    /// negation (い), literary negation (ず).
    static let plainFinalKana: Set<Unicode.Scalar> = ["う", "く", "ぐ", "す", "つ", "ぬ", "ぶ", "む", "る", "た", "だ", "い", "ず"]
    static let sentenceParticles = ["よね", "か", "ね", "よ"]
    static let sentenceEnds: Set<Unicode.Scalar> = ["。", "．", "！", "？", "!", "?", "\n", "\r"]
    static let openingQuotes: Set<Unicode.Scalar> = ["「", "『", "“"]
    static let closingQuotes: Set<Unicode.Scalar> = ["」", "』", "”"]
    static let listMarkers: Set<Unicode.Scalar> = ["・", "•", "-", "*", "‐", "－"]

    /// Nil when every sentence of `text` is in `expected` or neutral; else the reason, naming
    /// the sentences in the other register.
    public static func problem(in text: String, expected: Register) -> String? {
        let profile = profile(of: text)
        let offending = profile.sentences(in: expected.other)
        guard offending > 0 else { return nil }
        let total = profile.plainSentences + profile.politeSentences
        let quoted = profile.examples(in: expected.other).map { "「…\($0)」" }.joined(separator: ", ")
        return "\(offending) of \(total) sentences end in \(expected.other.name) where every sentence must be in \(expected.name): \(quoted)"
    }

    public static func profile(of text: String) -> Profile {
        var profile = Profile()
        var ending: [Unicode.Scalar] = []
        var excerpt: [Unicode.Scalar] = []
        var quoteDepth = 0
        var atLineStart = true
        var inListLine = false

        func finishSentence() {
            if !inListLine, let register = register(ofEnding: ending) {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: excerpt)
                profile.record(register, excerpt: String(view))
            }
            ending.removeAll(keepingCapacity: true)
            excerpt.removeAll(keepingCapacity: true)
        }

        for scalar in text.unicodeScalars {
            if sentenceEnds.contains(scalar) {
                let isLineBreak = scalar == "\n" || scalar == "\r"
                // A quotation may hold whole sentences; a line break ends it even when unclosed,
                // so that one stray 「 cannot hide the rest of a text.
                guard quoteDepth == 0 || isLineBreak else { continue }
                finishSentence()
                if isLineBreak {
                    quoteDepth = 0
                    atLineStart = true
                    inListLine = false
                }
                continue
            }
            if scalar.properties.isWhitespace { continue }
            if atLineStart {
                atLineStart = false
                inListLine = listMarkers.contains(scalar)
            }
            excerpt.append(scalar)
            if excerpt.count > excerptCharacters { excerpt.removeFirst() }
            if openingQuotes.contains(scalar) {
                quoteDepth += 1
            } else if closingQuotes.contains(scalar) {
                quoteDepth = max(0, quoteDepth - 1)
            } else if quoteDepth == 0 && !isPunctuation(scalar) {
                ending.append(scalar)
                if ending.count > endingCharacters { ending.removeFirst() }
            }
        }
        finishSentence()
        return profile
    }

    /// The register a sentence's last characters (outside quotations, without punctuation) show;
    /// nil for a neutral ending.
    static func register(ofEnding ending: [Unicode.Scalar]) -> Register? {
        var text = String(String.UnicodeScalarView(ending))
        if let particle = sentenceParticles.first(where: { text.hasSuffix($0) && text.count > $0.count }) {
            text.removeLast(particle.count)
        }
        if politeEndings.contains(where: { text.hasSuffix($0) }) { return .polite }
        guard let last = text.unicodeScalars.last, plainFinalKana.contains(last) else { return nil }
        return .plain
    }

    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .openPunctuation, .closePunctuation, .otherPunctuation, .initialPunctuation, .finalPunctuation,
             .dashPunctuation, .connectorPunctuation, .mathSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}
