import Foundation

/// The four axes an item is scored on, each 1...5.
public struct AxisScores: Sendable, Hashable, Codable {
    public static let range = 1...5

    public var depth: Int
    public var relevance: Int
    public var practicality: Int
    public var novelty: Int

    public init(depth: Int, relevance: Int, practicality: Int, novelty: Int) {
        self.depth = depth
        self.relevance = relevance
        self.practicality = practicality
        self.novelty = novelty
    }

    /// Scores forced into 1...5, whatever the model answered.
    public var clamped: AxisScores { clamped(to: Self.range) }

    /// Every axis forced into `range`.
    public func clamped(to range: ClosedRange<Int>) -> AxisScores {
        func clamp(_ value: Int) -> Int { min(max(value, range.lowerBound), range.upperBound) }
        return AxisScores(depth: clamp(depth), relevance: clamp(relevance),
                          practicality: clamp(practicality), novelty: clamp(novelty))
    }
}

/// Importance 1...5, computed in code from the axis scores, never taken from the model.
public struct Importance: Sendable, Hashable, Codable, Comparable {
    /// Weights in tenths, so that the sum is exact: 深度 40%, 関連度 30%, 実用性 20%, 革新性 10%.
    public static let depthWeight = 4
    public static let relevanceWeight = 3
    public static let practicalityWeight = 2
    public static let noveltyWeight = 1

    public let value: Int

    public init(value: Int) { self.value = value }

    /// Weighted mean rounded half up: 5,5,3,2 → 4.3 → 4.
    public init(scores: AxisScores) {
        let s = scores.clamped
        let tenths = s.depth * Self.depthWeight + s.relevance * Self.relevanceWeight
            + s.practicality * Self.practicalityWeight + s.novelty * Self.noveltyWeight
        value = (tenths + 5) / 10
    }

    public static func < (lhs: Importance, rhs: Importance) -> Bool { lhs.value < rhs.value }

    /// The weighted mean with one decimal, as shown beside the rounded value.
    public static func weightedMean(_ scores: AxisScores) -> Double {
        let s = scores.clamped
        let tenths = s.depth * depthWeight + s.relevance * relevanceWeight
            + s.practicality * practicalityWeight + s.novelty * noveltyWeight
        return Double(tenths) / 10
    }
}

public struct KeyPoint: Sendable, Hashable, Codable {
    public var heading: String
    public var body: String

    public init(heading: String, body: String) {
        self.heading = heading
        self.body = body
    }
}

/// The editorial analysis of one item, in the target language.
public struct Analysis: Sendable, Hashable, Codable {
    public var title: String
    public var tldr: String
    public var keyPoints: [KeyPoint]
    public var impact: String
    public var editorial: String
    public var tags: [String]
    /// What the article is about, by name; analyses stored before entities existed have none.
    public var entities: [Entity]
    public var scores: AxisScores
    public var analysedAt: Date
    public var model: String
    /// What was still wrong with the answer when it was accepted (a register the model would not
    /// keep to after being asked again); nil when nothing was. Optional so that analyses stored
    /// before it existed still decode.
    public var qualityNotes: [String]?

    public init(
        title: String, tldr: String, keyPoints: [KeyPoint], impact: String, editorial: String,
        tags: [String], entities: [Entity] = [], scores: AxisScores, analysedAt: Date, model: String, qualityNotes: [String]? = nil
    ) {
        self.qualityNotes = qualityNotes
        self.title = title
        self.tldr = tldr
        self.keyPoints = keyPoints
        self.impact = impact
        self.editorial = editorial
        self.tags = tags
        self.entities = entities
        self.scores = scores
        self.analysedAt = analysedAt
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case title, tldr, keyPoints, impact, editorial, tags, entities, scores, analysedAt, model, qualityNotes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        tldr = try container.decode(String.self, forKey: .tldr)
        keyPoints = try container.decode([KeyPoint].self, forKey: .keyPoints)
        impact = try container.decode(String.self, forKey: .impact)
        editorial = try container.decode(String.self, forKey: .editorial)
        tags = try container.decode([String].self, forKey: .tags)
        entities = try container.decodeIfPresent([Entity].self, forKey: .entities) ?? []
        scores = try container.decode(AxisScores.self, forKey: .scores)
        analysedAt = try container.decode(Date.self, forKey: .analysedAt)
        model = try container.decode(String.self, forKey: .model)
        qualityNotes = try container.decodeIfPresent([String].self, forKey: .qualityNotes)
    }

    public var importance: Importance { Importance(scores: scores) }
}

/// The body translated block by block, in the same order as the article's blocks.
public struct Translation: Sendable, Hashable, Codable {
    public var language: String
    public var blocks: [Block]
    public var translatedAt: Date
    public var model: String
    /// What was still wrong with batches accepted with a flaw (as `Analysis.qualityNotes`).
    public var qualityNotes: [String]?

    public init(language: String, blocks: [Block], translatedAt: Date, model: String, qualityNotes: [String]? = nil) {
        self.qualityNotes = qualityNotes
        self.language = language
        self.blocks = blocks
        self.translatedAt = translatedAt
        self.model = model
    }
}
