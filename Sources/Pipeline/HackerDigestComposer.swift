import Foundation
import KawarabanCore
import LLM
import Logging
import Newsroom
import Store

/// What an operator tunes of Hacker日報: how much of a thread is read, and how many threads are summarised.
public struct HackerDigestSettings: Sendable, Hashable {
    /// The day's most-pointed stories whose threads are summarised: one model call each.
    public static let defaultSummarisedStories = 5

    public var threads: ThreadLimits
    public var summarisedStories: Int

    public init(threads: ThreadLimits = ThreadLimits(),
                summarisedStories: Int = HackerDigestSettings.defaultSummarisedStories) {
        self.threads = threads
        self.summarisedStories = max(0, summarisedStories)
    }
}

/// Writes Hacker日報 for a day: the day's published stories that Hacker News carried, one per
/// story, with their points and comment counts as the API gives them now (kept as stored when it
/// does not answer), the most points first; the threads of the top ones summarised; a lead on the
/// day's debates. A day without stories is written empty, and nothing is asked of the model.
public struct HackerDigestComposer: DigestComposer {
    /// Stories one Hacker日報 lists: a day's AI stories on Hacker News are rarely half as many.
    public static let maximumStories = 30
    public static let summarisedTheme = "議論を呼んだ話題"
    public static let otherTheme = "そのほかの話題"

    public var kind: DigestKind { .hacker }

    let store: Store
    let threads: HackerNewsThreads
    /// Nil without a model: the digest lists the stories, without summaries or lead.
    let summarizer: ThreadSummarizer?
    let edition: Edition
    let summarisedStories: Int
    let logger: Logger

    public init(store: Store, threads: HackerNewsThreads, summarizer: ThreadSummarizer?, edition: Edition,
                summarisedStories: Int = HackerDigestSettings.defaultSummarisedStories, logger: Logger) {
        self.store = store
        self.threads = threads
        self.summarizer = summarizer
        self.edition = edition
        self.summarisedStories = max(0, summarisedStories)
        self.logger = logger
    }

    public func compose(_ slot: DigestSlot, now: Date) async throws(DigestError) -> Digest {
        guard slot.kind == .hacker else {
            throw DigestError(slot: slot, reason: "the Hacker日報 composer was given a \(slot.kind.rawValue) slot", isTransient: false)
        }
        let dayName = slot.japaneseName(in: edition.timeZone)
        let title = "Hacker日報 \(dayName)"
        let stored: [DiscussedStory]
        do {
            stored = Array(try await store.discussedStories(shownIn: slot.interval(in: edition.timeZone)).prefix(Self.maximumStories))
        } catch {
            throw DigestError(slot: slot, reason: error.description, isTransient: true)
        }
        guard !stored.isEmpty else {
            return Digest(slot: slot, title: title, lead: nil, sections: [], model: nil, writtenAt: now)
        }
        let current = await currentStories(stored)
        for (story, live) in zip(stored, current) {
            guard let live, live.points != story.points || live.commentCount != story.commentCount else { continue }
            do {
                try await store.updateDiscussion(itemID: story.discussedItemID, points: live.points, commentCount: live.commentCount)
            } catch {
                throw DigestError(slot: slot, reason: error.description, isTransient: true)
            }
        }
        // Most points first; the stored order (the stored points) breaks ties.
        let ranked = zip(stored, current).enumerated().sorted { first, second in
            let firstPoints = first.element.1?.points ?? first.element.0.points
            let secondPoints = second.element.1?.points ?? second.element.0.points
            return firstPoints != secondPoints ? firstPoints > secondPoints : first.offset < second.offset
        }.map(\.element)

        var entries: [DigestEntry] = []
        var debated: [DebatedStory] = []
        var commenters: Set<String> = []
        var model: String?
        for (rank, (story, live)) in ranked.enumerated() {
            var summary: ThreadSummary?
            if rank < summarisedStories, let summarizer, let live {
                let thread = await threads.comments(of: live, base: story.apiBase)
                commenters.formUnion(thread.authors)
                if let answer = try await summarised(thread, title: story.title, by: summarizer, slot: slot) {
                    summary = answer.value
                    model = answer.model
                }
            }
            let points = live?.points ?? story.points
            let commentCount = live?.commentCount ?? story.commentCount
            entries.append(DigestEntry(
                itemID: story.itemID, title: story.title, summary: story.summary, importance: story.importance,
                sourceName: story.sourceName,
                discussion: HackerNewsDiscussion(storyID: story.storyID, points: points, commentCount: commentCount, summary: summary)))
            debated.append(DebatedStory(title: story.title, points: points, commentCount: commentCount, summary: summary))
        }
        var lead: String?
        if let summarizer {
            do {
                let answer = try await summarizer.lead(dayName: dayName, stories: debated, commenters: commenters)
                lead = answer.value
                model = answer.model
            } catch {
                guard !error.isTransient else { throw DigestError(slot: slot, reason: error.description, isTransient: true) }
                logger.warning("hacker digest lead not written", metadata: ["slot": "\(slot)", "reason": "\(error)"])
            }
        }
        let summarised = entries.filter { $0.discussion?.summary != nil }
        let others = entries.filter { $0.discussion?.summary == nil }
        let sections = [DigestSection(theme: Self.summarisedTheme, entries: summarised),
                        DigestSection(theme: Self.otherTheme, entries: others)].filter { !$0.entries.isEmpty }
        return Digest(slot: slot, title: title, lead: lead, sections: sections, model: model, writtenAt: now)
    }

    /// The thread's summary, or nil when the model's answers were refused (logged with the reason:
    /// the story then appears without one). A model or budget that is unavailable stops the
    /// digest instead, so that the slot is written later with its summaries.
    private func summarised(_ thread: CommentThread, title: String, by summarizer: ThreadSummarizer,
                            slot: DigestSlot) async throws(DigestError) -> StructuredAnswer<ThreadSummary>? {
        guard !thread.comments.isEmpty else { return nil }
        do {
            return try await summarizer.summarize(
                title: title, comments: thread.comments.map { ThreadCommentText(depth: $0.depth, text: $0.text) },
                commenters: thread.authors)
        } catch {
            guard !error.isTransient else { throw DigestError(slot: slot, reason: error.description, isTransient: true) }
            logger.warning("hacker news thread not summarised", metadata: [
                "slot": "\(slot)", "story": "\(thread.story.id)", "reason": "\(error)",
            ])
            return nil
        }
    }

    /// Each story's document as the API gives it now, in the order given; nil where it does not answer.
    private func currentStories(_ stories: [DiscussedStory]) async -> [HackerNewsStory?] {
        let threads = threads
        return await inOrder(stories, width: threads.limits.concurrency) { story in
            await threads.story(id: story.storyID, base: story.apiBase)
        }
    }
}

extension Services {
    /// Hacker日報's composer over this process's store, fetch policy and pool; `summarizer` writes
    /// the summaries and the lead (nil without a model: the digest lists the stories without them).
    public func hackerDigestComposer(summarizer: ThreadSummarizer?) -> HackerDigestComposer {
        HackerDigestComposer(
            store: store,
            threads: HackerNewsThreads(limits: settings.hackerDigest.threads, fetchPolicy: settings.fetchPolicy, pool: pool,
                                       logger: logger),
            summarizer: summarizer, edition: settings.edition, summarisedStories: settings.hackerDigest.summarisedStories,
            logger: logger)
    }
}
