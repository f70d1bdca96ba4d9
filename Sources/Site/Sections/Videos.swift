import Foundation
import Hummingbird
import KawarabanCore
import Store

// 動画: the published video items, newest first, with their thumbnails.

extension SitePages {
    /// `/videos` and `?page=N`.
    func videos(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let page = try Self.requestedPage(request)
        let limit = Self.headlinesPerPage
        let (videos, hasOlder) = try Self.onePage(
            try await store.videoHeadlines(limit: limit + 1, offset: (page - 1) * limit), page: page)
        return Self.htmlResponse(try renderer.videosPage(videos, page: page, hasOlder: hasOlder))
    }
}

extension SiteRenderer {
    /// YouTube's hqdefault thumbnail is 480×360.
    static let thumbnailSize = (width: 480, height: 360)

    func videosPage(_ videos: [VideoHeadline], page: Int, hasOlder: Bool) throws -> String {
        func pagePath(_ number: Int) -> String { number > 1 ? "/videos?page=\(number)" : "/videos" }
        let entries = videos.map { video in
            VideoEntry(entry: listEntry(video.headline),
                       thumbnailURL: VideoID.checked(video.videoID).map(VideoID.thumbnailURL),
                       thumbnailWidth: Self.thumbnailSize.width, thumbnailHeight: Self.thumbnailSize.height)
        }
        let view = VideosPage(
            chrome: chrome(title: page > 1 ? "動画(\(page)ページ目)" : "動画",
                           description: "AIに関する動画の新着", path: pagePath(page)),
            videos: entries, pager: pager(page: page, hasOlder: hasOlder, pagePath: pagePath))
        return try render(view, "videos")
    }
}

struct VideoEntry {
    var entry: ListEntry
    /// Absent when the stored id is not a YouTube id: the entry is listed without a picture.
    var thumbnailURL: String?
    var thumbnailWidth: Int
    var thumbnailHeight: Int
}

struct VideosPage {
    var chrome: PageChrome
    var videos: [VideoEntry]
    var pager: Pager?
}
