import Foundation

/// A line chart of daily counts, drawn on the server as inline SVG: no script, no external
/// reference, colours from the stylesheet's classes (so dark mode applies), and the figures
/// stated in Japanese in its accessible name for readers who cannot see it.
struct DailyChart {
    /// The drawing area, in CSS pixels, and the margin kept clear inside it so strokes and the
    /// end dot are not cut off at the edges.
    struct Size {
        var width: Double
        var height: Double
        var inset: Double

        /// Beside an entry in a list.
        static let sparkline = Size(width: 120, height: 28, inset: 2)
        /// Under a page's heading.
        static let wide = Size(width: 640, height: 120, inset: 4)
    }

    struct Point: Equatable {
        var x: Double
        var y: Double
    }

    /// Oldest day first.
    var counts: [Int]
    /// The first `earlierDays` days are the period the others are compared with, drawn apart.
    var earlierDays = 0
    var size: Size
    /// What is counted, for the accessible name: "OpenAIの記事数".
    var subject: String

    /// Where each day's count is drawn: days spread evenly from left to right, the largest count
    /// at the top, zero at the bottom; a single day in the middle.
    func points() -> [Point] {
        let top = Double(max(counts.max() ?? 0, 1))
        let plotWidth = size.width - 2 * size.inset
        let plotHeight = size.height - 2 * size.inset
        return counts.enumerated().map { day, count in
            let x = counts.count == 1 ? size.width / 2 : size.inset + Double(day) * plotWidth / Double(counts.count - 1)
            return Point(x: x, y: size.inset + (1 - Double(count) / top) * plotHeight)
        }
    }

    /// The chart's accessible name: the totals and every day's count.
    var label: String {
        guard !counts.isEmpty else { return "\(subject): データなし" }
        let daily = "日別(古い順): " + counts.map(String.init).joined(separator: "、")
        let earlier = min(max(earlierDays, 0), counts.count)
        if earlier > 0 {
            let before = counts.prefix(earlier).reduce(0, +)
            let recent = counts.dropFirst(earlier).reduce(0, +)
            return "\(subject): 直近\(counts.count - earlier)日で\(recent)件、その前の\(earlier)日で\(before)件。\(daily)"
        }
        return "\(subject): 過去\(counts.count)日で\(counts.reduce(0, +))件、1日の最多\(counts.max() ?? 0)件。\(daily)"
    }

    func svg() -> String {
        let name = BlockHTML.escape(label)
        let baseline = format(size.height - size.inset)
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(format(size.width)) \(format(size.height))\" "
            + "width=\"\(format(size.width))\" height=\"\(format(size.height))\" role=\"img\" aria-label=\"\(name)\">"
            + "<title>\(name)</title>"
            + "<line class=\"chart-axis\" x1=\"\(format(size.inset))\" y1=\"\(baseline)\" "
            + "x2=\"\(format(size.width - size.inset))\" y2=\"\(baseline)\"/>"
        let points = points()
        guard let last = points.last else { return svg + "</svg>" }
        let earlier = min(max(earlierDays, 0), points.count)
        if earlier > 0 {
            // The earlier line runs up to the first recent day, so the two join.
            svg += path(points.prefix(earlier + 1), class: "chart-line chart-earlier")
        }
        svg += path(points.dropFirst(earlier), class: "chart-line")
        svg += "<circle class=\"chart-dot\" cx=\"\(format(last.x))\" cy=\"\(format(last.y))\" r=\"2.0\"/>"
        return svg + "</svg>"
    }

    private func path(_ points: ArraySlice<Point>, class name: String) -> String {
        guard points.count > 1 else { return "" }
        let drawn = points.enumerated().map { index, point in
            "\(index == 0 ? "M" : "L")\(format(point.x)),\(format(point.y))"
        }
        return "<path class=\"\(name)\" d=\"\(drawn.joined(separator: " "))\"/>"
    }

    /// One decimal, whatever the locale: enough for a pixel, and the same bytes on every machine.
    private func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
