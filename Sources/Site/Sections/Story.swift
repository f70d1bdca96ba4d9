import Foundation
import Store

// The story block of an article page: the other outlets' reports of the same event, the lead a
// report belongs to, and the 続報 thread, newest first.

extension SiteRenderer {
    func storyView(_ story: StoryContext, on itemID: Int64) -> StoryView {
        let reports = ([story.lead] + story.others).filter { $0.id != itemID }
        let outlets = Set(reports.map(\.sourceName)).count
        return StoryView(
            lead: story.lead.id == itemID ? nil : storyReport(story.lead),
            reports: reports.map(storyReport),
            reportsHeading: outlets > 0 ? "この話題を報じた他の\(outlets)社" : nil,
            thread: story.thread.map { headline in
                let date = displayed(headline.shownAt)
                return ThreadEntryView(path: SitePages.articlePath(id: headline.id, title: headline.originalTitle),
                                       title: headline.analysis.title, sourceName: headline.sourceName,
                                       publishedDisplay: date.display, publishedISO: date.iso,
                                       isCurrent: headline.id == story.lead.id)
            })
    }

    private func storyReport(_ headline: PublishedHeadline) -> StoryReportView {
        StoryReportView(path: SitePages.articlePath(id: headline.id, title: headline.originalTitle),
                        title: headline.analysis.title, sourceName: headline.sourceName,
                        originalURL: BlockHTML.safeURL(headline.url))
    }
}

struct StoryView {
    /// On a page other than the lead's: the story's lead.
    var lead: StoryReportView?
    /// Every other published report of the story, lead first.
    var reports: [StoryReportView]
    var reportsHeading: String?
    /// Newest first; empty when the story has no 続報.
    var thread: [ThreadEntryView]
}

/// Another outlet's report of the same event: our page of it, and the original.
struct StoryReportView {
    var path: String
    var title: String
    var sourceName: String
    /// Nil when the source's link is not one a page may carry.
    var originalURL: String?
}

/// One story of a 続報 thread, by its lead.
struct ThreadEntryView {
    var path: String
    var title: String
    var sourceName: String
    var publishedDisplay: String
    var publishedISO: String
    /// The story of the page showing the thread.
    var isCurrent: Bool
}
