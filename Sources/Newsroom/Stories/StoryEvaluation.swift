import Foundation

/// The labelled set of article pairs in docs/eval/stories: articles by key, and pairs of two
/// keys with the relation a reader would give them. Every third pair is held out: thresholds are
/// chosen on the others, and the held-out figures show whether they carry over.
public struct StoryLabelledSet: Sendable, Decodable {
    public struct Entity: Sendable, Decodable {
        public var name: String
        public var main: Bool
    }

    public struct Article: Sendable, Decodable {
        public var outlet: String
        public var date: Date
        public var language: String
        public var title: String
        public var text: String
        public var entities: [Entity]

        /// The article as the pipeline would hand it over: entity names main ones first.
        public var evidence: StoryEvidence {
            let main = entities.filter(\.main).map(\.name)
            return StoryEvidence(title: title, text: text, entities: main + entities.filter { !$0.main }.map(\.name),
                                 mainEntities: main, publishedAt: date)
        }
    }

    public struct Pair: Sendable, Decodable {
        public var label: StoryRelation
        public var earlier: String
        public var later: String
        public var heldOut: Bool
    }

    public let articles: [String: Article]
    public let pairs: [Pair]

    private enum CodingKeys: String, CodingKey { case articles, pairs }

    /// A pair naming an article the set lacks, or in the wrong order, is refused, so every pair
    /// of a set that decoded can be looked up.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        articles = try container.decode([String: Article].self, forKey: .articles)
        pairs = try container.decode([Pair].self, forKey: .pairs)
        for (number, pair) in pairs.enumerated() {
            guard let earlier = articles[pair.earlier], let later = articles[pair.later] else {
                throw StoryLabelledSetError("pair \(number + 1) names an article the set does not hold")
            }
            guard earlier.date <= later.date else {
                throw StoryLabelledSetError("pair \(number + 1): \(pair.earlier) is not earlier than \(pair.later)")
            }
        }
    }

    /// The set in `data`, its dates in ISO 8601.
    public static func decode(_ data: Data) throws -> StoryLabelledSet {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(StoryLabelledSet.self, from: data)
    }
}

public struct StoryLabelledSetError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The matcher, and the judge when there is one, run over a labelled set: what each pair was
/// labelled, what the matcher decided or left open, and what it finally became.
public struct StoryEvaluation: Sendable {
    public struct Outcome: Sendable {
        public var pair: StoryLabelledSet.Pair
        /// The matcher's decision; nil for a close call.
        public var decided: StoryRelation?
        public var predicted: StoryRelation
    }

    /// Which pairs a figure is over.
    public enum Part: String, Sendable, CaseIterable {
        case all, tuning, heldOut = "held-out"

        func contains(_ pair: StoryLabelledSet.Pair) -> Bool {
            switch self {
            case .all: true
            case .tuning: !pair.heldOut
            case .heldOut: pair.heldOut
            }
        }
    }

    public var outcomes: [Outcome]
    /// Whether close calls went to the model; without it they count as unrelated.
    public var judged: Bool

    /// Every pair through the matcher; the close calls through `judge` in its batches, or
    /// resolved as unrelated without one.
    public static func run(_ set: StoryLabelledSet, judge: StoryJudge?) async throws(NewsroomError) -> StoryEvaluation {
        let matcher = StoryMatcher()
        let signatures = set.articles.mapValues { matcher.signature(of: $0.evidence) }
        var decisions: [StoryRelation?] = []
        var closeCalls: [StoryPair] = []
        for pair in set.pairs {
            switch matcher.verdict(set.articles[pair.earlier]!.evidence, signatures[pair.earlier]!,
                                   set.articles[pair.later]!.evidence, signatures[pair.later]!) {
            case .decided(let relation):
                decisions.append(relation)
            case .closeCall(let open):
                decisions.append(nil)
                closeCalls.append(open)
            }
        }
        var judgements = try await judge?.relations(of: closeCalls) ?? closeCalls.map { _ in .unrelated }
        judgements.reverse()
        let outcomes = zip(set.pairs, decisions).map { pair, decided in
            Outcome(pair: pair, decided: decided, predicted: decided ?? judgements.removeLast())
        }
        return StoryEvaluation(outcomes: outcomes, judged: judge != nil)
    }

    /// Pairs labelled `label` that became `predicted`.
    public func count(labelled label: StoryRelation, predicted: StoryRelation, in part: Part = .all) -> Int {
        outcomes.filter { part.contains($0.pair) && $0.pair.label == label && $0.predicted == predicted }.count
    }

    /// Of the pairs predicted `relation`, the share labelled so; 0 when none was predicted.
    public func precision(of relation: StoryRelation, in part: Part = .all) -> Double {
        let predicted = StoryRelation.allCases.reduce(0) { $0 + count(labelled: $1, predicted: relation, in: part) }
        return predicted == 0 ? 0 : Double(count(labelled: relation, predicted: relation, in: part)) / Double(predicted)
    }

    /// Of the pairs labelled `relation`, the share predicted so; 0 for a part without any.
    public func recall(of relation: StoryRelation, in part: Part = .all) -> Double {
        let labelled = StoryRelation.allCases.reduce(0) { $0 + count(labelled: relation, predicted: $1, in: part) }
        return labelled == 0 ? 0 : Double(count(labelled: relation, predicted: relation, in: part)) / Double(labelled)
    }

    var closeCalls: [Outcome] { outcomes.filter { $0.decided == nil } }

    /// The figures as `kawaraban stories eval` prints them.
    public var table: String {
        var lines: [String] = []
        let labels = StoryRelation.allCases.map { relation in
            "\(outcomes.filter { $0.pair.label == relation }.count) \(relation.rawValue)"
        }
        let heldOut = outcomes.filter(\.pair.heldOut).count
        lines.append("\(outcomes.count) pairs (\(labels.joined(separator: ", "))): \(outcomes.count - heldOut) tuning, \(heldOut) held out")
        let resolved = StoryRelation.allCases.map { relation in
            "\(closeCalls.filter { $0.predicted == relation }.count) \(relation.rawValue)"
        }
        let correct = closeCalls.filter { $0.predicted == $0.pair.label }.count
        lines.append("close calls: \(closeCalls.count), " + (judged ? "judged by the model" : "resolved as unrelated without a model")
            + ": \(resolved.joined(separator: ", ")); \(correct) of them right")
        if !judged {
            let ceiling = StoryEvaluation(outcomes: outcomes.map { outcome in
                var judgedRight = outcome
                judgedRight.predicted = outcome.decided ?? outcome.pair.label
                return judgedRight
            }, judged: true)
            let figures = [StoryRelation.sameStory, .followUp].map { relation in
                "\(relation.rawValue) precision \(Self.figure(ceiling.precision(of: relation))) recall \(Self.figure(ceiling.recall(of: relation)))"
            }
            lines.append("with every close call judged right: \(figures.joined(separator: ", "))")
        }
        lines.append("")
        lines.append(Self.row(["relation", "part", "precision", "recall", "labelled", "predicted", "correct"]))
        for relation in [StoryRelation.sameStory, .followUp] {
            for part in Part.allCases {
                let labelled = StoryRelation.allCases.reduce(0) { $0 + count(labelled: relation, predicted: $1, in: part) }
                let predicted = StoryRelation.allCases.reduce(0) { $0 + count(labelled: $1, predicted: relation, in: part) }
                lines.append(Self.row([
                    relation.rawValue, part.rawValue, Self.figure(precision(of: relation, in: part)),
                    Self.figure(recall(of: relation, in: part)), "\(labelled)", "\(predicted)",
                    "\(count(labelled: relation, predicted: relation, in: part))",
                ]))
            }
        }
        lines.append("")
        lines.append("confusion, all pairs (rows labelled, columns predicted)")
        lines.append(Self.row([""] + StoryRelation.allCases.map(\.rawValue)))
        for label in StoryRelation.allCases {
            lines.append(Self.row([label.rawValue] + StoryRelation.allCases.map { "\(count(labelled: label, predicted: $0))" }))
        }
        let wrong = outcomes.enumerated().filter { $0.element.predicted != $0.element.pair.label }
        if !wrong.isEmpty {
            lines.append("")
            lines.append("wrong")
            for (index, outcome) in wrong {
                let how = outcome.decided == nil ? "close call" : "decided"
                lines.append("  pair \(index + 1) \(outcome.pair.earlier)→\(outcome.pair.later)\(outcome.pair.heldOut ? " (held out)" : ""): "
                    + "labelled \(outcome.pair.label.rawValue), predicted \(outcome.predicted.rawValue) (\(how))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func row(_ cells: [String]) -> String {
        cells.map { $0.padding(toLength: max(12, $0.count + 1), withPad: " ", startingAt: 0) }.joined()
    }

    static func figure(_ value: Double) -> String { String(format: "%.2f", value) }
}
