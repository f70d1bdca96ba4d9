import Foundation
import Testing
@testable import Pipeline

/// Hacker日報's settings: how much of a thread is read, and how many threads are summarised.
@Suite struct HackerDigestSettingsTests {
    @Test func theDefaultsAndTheOperatorsValues() throws {
        let defaults = try Settings.load(environment: [:]).hackerDigest
        #expect(defaults == HackerDigestSettings())
        #expect(defaults.threads.maximumDepth == 4 && defaults.threads.maximumComments == 300)
        #expect(defaults.threads.maximumTextBytes == 256 * 1024 && defaults.threads.concurrency == 8)
        #expect(defaults.summarisedStories == 5)

        let set = try Settings.load(environment: [
            "KAWARABAN_HN_THREAD_MAX_DEPTH": "2", "KAWARABAN_HN_THREAD_MAX_COMMENTS": "50",
            "KAWARABAN_HN_THREAD_MAX_BYTES": "65536", "KAWARABAN_HN_THREAD_CONCURRENCY": "3",
            "KAWARABAN_HN_THREAD_DEADLINE_SECONDS": "30", "KAWARABAN_HN_DIGEST_SUMMARIES": "0",
        ]).hackerDigest
        #expect(set == HackerDigestSettings(threads: ThreadLimits(maximumDepth: 2, maximumComments: 50, maximumTextBytes: 65_536,
                                                                  concurrency: 3, deadline: .seconds(30)),
                                            summarisedStories: 0))
    }

    @Test func everyInvalidValueIsReported() {
        let values = [
            "KAWARABAN_HN_THREAD_MAX_DEPTH": "0", "KAWARABAN_HN_THREAD_MAX_COMMENTS": "5001",
            "KAWARABAN_HN_THREAD_MAX_BYTES": "lots", "KAWARABAN_HN_THREAD_CONCURRENCY": "65",
            "KAWARABAN_HN_THREAD_DEADLINE_SECONDS": "-1", "KAWARABAN_HN_DIGEST_SUMMARIES": "31",
        ]
        #expect {
            _ = try Settings.load(environment: values)
        } throws: { error in
            guard let problems = (error as? SettingsError)?.problems else { return false }
            return problems.count == values.count && values.keys.allSatisfy { key in problems.contains { $0.hasPrefix(key + "=") } }
        }
    }
}
