/// Which model, on which API, serves each task, and the limits each API is held to. One
/// `ChatClient` holds the routes and serves every task.
public struct LLMRoutes: Sendable {
    private let triage: LLMConfiguration
    private let analysis: LLMConfiguration
    private let translation: LLMConfiguration
    private let digest: LLMConfiguration
    private let stories: LLMConfiguration
    public let limits: EndpointLimits

    /// Nil unless every task has a configuration.
    public init?(_ byTask: [LLMTask: LLMConfiguration], limits: EndpointLimits = EndpointLimits()) {
        guard let triage = byTask[.triage], let analysis = byTask[.analysis], let translation = byTask[.translation],
              let digest = byTask[.digest], let stories = byTask[.stories]
        else { return nil }
        self.init(triage: triage, analysis: analysis, translation: translation, digest: digest, stories: stories,
                  limits: limits)
    }

    /// Every task on one model.
    public init(_ configuration: LLMConfiguration, limits: EndpointLimits = EndpointLimits()) {
        self.init(triage: configuration, analysis: configuration, translation: configuration, digest: configuration,
                  stories: configuration, limits: limits)
    }

    private init(triage: LLMConfiguration, analysis: LLMConfiguration, translation: LLMConfiguration,
                 digest: LLMConfiguration, stories: LLMConfiguration, limits: EndpointLimits) {
        self.triage = triage
        self.analysis = analysis
        self.translation = translation
        self.digest = digest
        self.stories = stories
        self.limits = limits
    }

    public func configuration(for task: LLMTask) -> LLMConfiguration {
        switch task {
        case .triage: triage
        case .analysis: analysis
        case .translation: translation
        case .digest: digest
        case .stories: stories
        }
    }

    /// The APIs the routes use, each once.
    public var endpoints: Set<LLMEndpoint> { Set(LLMTask.allCases.map { configuration(for: $0).endpoint }) }
}
