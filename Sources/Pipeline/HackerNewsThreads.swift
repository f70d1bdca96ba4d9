import Fetching
import Foundation
import Logging

/// How much of a comment thread one read may take. Threads run to thousands of comments; the
/// summary needs the top of the discussion, not all of it, and a hostile or broken thread must
/// cost no more than a small one.
public struct ThreadLimits: Sendable, Hashable {
    /// Replies to replies to replies: deeper than this, a thread is rarely about the story.
    public static let defaultMaximumDepth = 4
    /// Comments asked for (each one request), the story's own document aside.
    public static let defaultMaximumComments = 300
    /// Plain text kept over the whole thread.
    public static let defaultMaximumTextBytes = 256 * 1024
    public static let defaultConcurrency = 8
    /// One deadline over the whole read, whatever each request's own timeout.
    public static let defaultDeadline: Duration = .seconds(120)
    /// Plain text kept of one comment; longer ones are cut, so one essay cannot crowd out the thread.
    public static let maximumCommentBytes = 4 * 1024
    /// Largest item document read: a comment's HTML is a few KiB; anything far larger is no comment.
    public static let maximumDocumentBytes = 256 * 1024

    public var maximumDepth: Int
    public var maximumComments: Int
    public var maximumTextBytes: Int
    public var concurrency: Int
    public var deadline: Duration

    public init(maximumDepth: Int = ThreadLimits.defaultMaximumDepth,
                maximumComments: Int = ThreadLimits.defaultMaximumComments,
                maximumTextBytes: Int = ThreadLimits.defaultMaximumTextBytes,
                concurrency: Int = ThreadLimits.defaultConcurrency,
                deadline: Duration = ThreadLimits.defaultDeadline) {
        self.maximumDepth = max(1, maximumDepth)
        self.maximumComments = max(1, maximumComments)
        self.maximumTextBytes = max(1, maximumTextBytes)
        self.concurrency = max(1, concurrency)
        self.deadline = deadline
    }
}

/// A story's own document as the API gives it now: its points, its comment count and the ids of
/// its top-level comments in the API's ranking order.
public struct HackerNewsStory: Sendable, Hashable {
    public var id: Int
    public var author: String?
    public var points: Int
    public var commentCount: Int
    public var kids: [Int]
}

/// One comment as the summary reads it: plain text, with its author kept apart so that the
/// summary can be checked for names, never shown them.
public struct ThreadComment: Sendable, Hashable {
    public var id: Int
    /// 1 for a reply to the story.
    public var depth: Int
    public var author: String?
    public var text: String
}

/// What one read of a thread found, and what it cost.
public struct CommentThread: Sendable {
    public var story: HackerNewsStory
    /// Breadth first: the top-level comments in ranking order, then their replies, and so on.
    public var comments: [ThreadComment]
    /// Item documents asked for, the story's aside.
    public var requests: Int
    /// Bytes of the item documents received.
    public var documentBytes: Int
    /// Bytes of plain text kept.
    public var textBytes: Int
    /// Why the read stopped before the thread's end, if it did.
    public var stoppedBy: String?

    /// Everyone who wrote in the thread, the story's submitter included.
    public var authors: Set<String> { Set(comments.compactMap(\.author) + [story.author].compactMap { $0 }) }
}

/// Reads comment threads through Hacker News's API (`item/<id>.json`, following `kids`) with the
/// safe `Fetcher`: breadth first in the API's ranking order, so that whatever limit stops the read
/// keeps the top of the thread. Deleted, dead and non-comment items, and ids seen already (a cycle),
/// are skipped; a broken or missing document costs its request and nothing else.
public struct HackerNewsThreads: Sendable {
    let limits: ThreadLimits
    let fetcher: Fetcher
    let pool: CPUPool
    let logger: Logger

    /// Item documents are read under the fetch policy's guard and timeout, but with a body limit of
    /// their own: a comment is small, and a body far larger is not worth downloading.
    public init(limits: ThreadLimits, fetchPolicy: FetchPolicy, pool: CPUPool, logger: Logger) {
        var policy = fetchPolicy
        policy.maximumBodyBytes = min(policy.maximumBodyBytes, ThreadLimits.maximumDocumentBytes)
        self.limits = limits
        self.fetcher = Fetcher(policy: policy, logger: logger)
        self.pool = pool
        self.logger = logger
    }

    /// The story's document now, or nil when the API does not answer with a live story.
    public func story(id: Int, base: String) async -> HackerNewsStory? {
        let deadline = ContinuousClock.now + limits.deadline
        guard let fetched = await document(id: id, base: base, until: deadline), let item = fetched.item,
              HackerNews.storyTypes.contains(item.type ?? ""), item.deleted != true, item.dead != true else { return nil }
        return HackerNewsStory(id: id, author: item.by, points: item.score ?? 0, commentCount: item.descendants ?? 0,
                               kids: item.kids ?? [])
    }

    /// The story's comments, breadth first, within the limits.
    public func comments(of story: HackerNewsStory, base: String) async -> CommentThread {
        let deadline = ContinuousClock.now + limits.deadline
        var thread = CommentThread(story: story, comments: [], requests: 0, documentBytes: 0, textBytes: 0)
        var seen: Set<Int> = [story.id]
        var level = story.kids
        var depth = 1
        while !level.isEmpty, thread.stoppedBy == nil {
            let wanted = level.filter { seen.insert($0).inserted }
            let room = limits.maximumComments - thread.requests
            let asked = Array(wanted.prefix(room))
            let fetched = await documents(asked, base: base, until: deadline, textRoom: limits.maximumTextBytes - thread.textBytes)
            thread.requests += fetched.requested
            thread.documentBytes += fetched.documents.reduce(0) { $0 + $1.bytes }
            var next: [Int] = []
            for document in fetched.documents {
                guard let item = document.item, item.type == "comment", item.deleted != true, item.dead != true,
                      let html = item.text else { continue }
                let text = HackerNewsText.plainText(html, maximumBytes: ThreadLimits.maximumCommentBytes)
                guard !text.isEmpty else { continue }
                guard thread.textBytes + text.utf8.count <= limits.maximumTextBytes else {
                    thread.stoppedBy = "the text limit of \(limits.maximumTextBytes) bytes"
                    break
                }
                thread.textBytes += text.utf8.count
                thread.comments.append(ThreadComment(id: document.id, depth: depth, author: item.by, text: text))
                // No level can ask for more than the comment limit, so no more ids are kept.
                if depth < limits.maximumDepth { next += (item.kids ?? []).prefix(limits.maximumComments - next.count) }
            }
            if thread.stoppedBy == nil {
                if ContinuousClock.now >= deadline && (fetched.requested < asked.count || !next.isEmpty) {
                    thread.stoppedBy = "the deadline of \(limits.deadline)"
                } else if asked.count < wanted.count {
                    thread.stoppedBy = "the limit of \(limits.maximumComments) comments"
                } else if fetched.requested < asked.count {
                    thread.stoppedBy = "the text limit of \(limits.maximumTextBytes) bytes"
                }
            }
            level = next
            depth += 1
        }
        if let stoppedBy = thread.stoppedBy {
            logger.debug("hacker news thread cut short", metadata: [
                "story": "\(story.id)", "by": "\(stoppedBy)", "comments": "\(thread.comments.count)",
            ])
        }
        return thread
    }

    /// One level's documents in the order asked, `concurrency` requests in flight. No request is
    /// started past the deadline, or once the comments received hold more text than `textRoom`
    /// (the level's own order then decides, after, which of them are kept).
    private func documents(_ ids: [Int], base: String, until deadline: ContinuousClock.Instant,
                           textRoom: Int) async -> (documents: [FetchedItem], requested: Int) {
        await withTaskGroup(of: (Int, FetchedItem?).self) { group in
            var pending = ids.enumerated().makeIterator()
            var requested = 0
            var received = 0
            func startNext() {
                guard received <= textRoom, ContinuousClock.now < deadline, let (rank, id) = pending.next() else { return }
                requested += 1
                group.addTask { (rank, await document(id: id, base: base, until: deadline)) }
            }
            for _ in 0..<limits.concurrency { startNext() }
            var results: [(Int, FetchedItem)] = []
            while let (rank, document) = await group.next() {
                if let document {
                    received += document.item?.text?.utf8.count ?? 0
                    results.append((rank, document))
                }
                startNext()
            }
            return (results.sorted { $0.0 < $1.0 }.map(\.1), requested)
        }
    }

    /// One item document, read on the CPU pool; nil when it could not be fetched in time.
    private func document(id: Int, base: String, until deadline: ContinuousClock.Instant) async -> FetchedItem? {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return nil }
        let fetcher = fetcher
        do {
            let response = try await withDeadline(remaining) {
                try await fetcher.fetch(FetchRequest(url: HackerNews.itemURL(base: base, id: id), accept: HackerNews.jsonAccept))
            }
            guard response.isSuccess else {
                logger.debug("hacker news item unavailable", metadata: ["item": "\(id)", "status": "\(response.status)"])
                return FetchedItem(id: id, bytes: response.body.count, item: nil)
            }
            let item = try await pool.run { try JSONDecoder().decode(HackerNewsItem?.self, from: response.body) }
            // A document describing another item is not the one its parent named.
            return FetchedItem(id: id, bytes: response.body.count, item: item?.id == id ? item : nil)
        } catch {
            logger.debug("hacker news item skipped", metadata: ["item": "\(id)", "reason": "\(error)"])
            return nil
        }
    }

    struct FetchedItem: Sendable {
        var id: Int
        var bytes: Int
        var item: HackerNewsItem?
    }
}

/// Hacker News's comment HTML as plain text: `<p>` starts a paragraph, `<pre>` a block, every
/// other tag (`<a>`, `<i>`, `<code>`) is dropped and keeps its text, entities are decoded. One
/// pass over the bytes: a `<` with no `>` after it is text, and so is every later `<`.
public enum HackerNewsText {
    /// The longest entity read (`&#x10FFFF;`); a longer run after `&` is text.
    static let maximumEntityLength = 10
    static let namedEntities: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " "]

    public static func plainText(_ html: String, maximumBytes: Int) -> String {
        let bytes = Array(html.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(min(bytes.count, maximumBytes))
        var index = 0
        var closingTagsLeft = true
        func breakLine() {
            while output.last == 0x20 { output.removeLast() }
            if !output.isEmpty && output.last != 0x0A { output.append(0x0A) }
        }
        while index < bytes.count, output.count < maximumBytes {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<"), closingTagsLeft {
                guard let end = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else {
                    closingTagsLeft = false
                    continue
                }
                let name = tagName(bytes[(index + 1)..<end])
                if name == "p" || name == "pre" || name == "/pre" || name == "br" { breakLine() }
                index = end + 1
            } else if byte == UInt8(ascii: "&"), let (decoded, length) = entity(bytes, at: index) {
                output += decoded.utf8
                index += length
            } else if byte == 0x0A || byte == 0x0D || byte == 0x09 {
                if output.last != 0x20 && output.last != 0x0A && !output.isEmpty { output.append(0x20) }
                index += 1
            } else {
                output.append(byte)
                index += 1
            }
        }
        // Cut on a character boundary: a character goes on wherever the byte after the cut (in the
        // output, or the next one of the input) is a UTF-8 continuation byte.
        func continues(at position: Int) -> Bool {
            let next = position < output.count ? output[position] : (index < bytes.count ? bytes[index] : 0)
            return next & 0xC0 == 0x80
        }
        var end = min(output.count, maximumBytes)
        while end > 0 && continues(at: end) { end -= 1 }
        output.removeSubrange(end...)
        while output.last == 0x20 || output.last == 0x0A { output.removeLast() }
        return String(decoding: output, as: UTF8.self)
    }

    /// The tag's name, lower case, with its slash: `p`, `/pre`, `a`.
    private static func tagName(_ inside: ArraySlice<UInt8>) -> String {
        let closing = inside.first == UInt8(ascii: "/")
        let letters = inside.dropFirst(closing ? 1 : 0).prefix { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        return (closing ? "/" : "") + String(decoding: letters, as: UTF8.self).lowercased()
    }

    /// The text of the entity at `start` and its length, `;` included; nil when it is none.
    private static func entity(_ bytes: [UInt8], at start: Int) -> (String, Int)? {
        let window = bytes[(start + 1)..<min(bytes.count, start + 2 + maximumEntityLength)]
        guard let semicolon = window.firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let body = String(decoding: bytes[(start + 1)..<semicolon], as: UTF8.self)
        let length = semicolon - start + 1
        if let named = namedEntities[body] { return (named, length) }
        guard body.hasPrefix("#") else { return nil }
        let digits = body.dropFirst()
        let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
        guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return nil }
        return (String(Character(scalar)), length)
    }
}
