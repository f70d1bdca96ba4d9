import Foundation
import KawarabanCore
import Store

/// Stories as the operator reads them in `status` and `stories list`: each story, then its items,
/// lead first, with their sources, so that a wrong merge shows and its item can be split out.
public enum StoryListing {
    public static func lines(_ stories: [StorySummary], clock: (Date) -> String) -> [String] {
        stories.flatMap { story in
            let thread = story.threadID.map { ", 続報 in the thread of story \($0)" } ?? ""
            let heading = "  story \(story.id): \(story.members.count) item\(story.members.count == 1 ? "" : "s")\(thread), changed \(clock(story.updatedAt))"
            return [heading] + story.members.map { member in
                let marks = (member.itemID == story.leadItemID ? " lead" : "") + (member.pinned ? " pinned" : "")
                return "    #\(member.itemID)\(marks) [\(member.sourceName)] \(StoredText.line(member.title))"
            }
        }
    }
}
