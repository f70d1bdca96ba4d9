import Foundation
import Testing
@testable import Site

/// The charts drawn as inline SVG: where each day's count lands, the accessible name that states
/// the figures, and the edge cases (no days, one day, a period compared with the one before).
@Suite struct DailyChartTests {
    /// 120×28 with a 2 px inset: days at x 2, 60, 118; the largest count at y 2, zero at y 26.
    @Test func knownCountsLandOnKnownPoints() throws {
        let chart = DailyChart(counts: [0, 2, 1], size: .sparkline, subject: "OpenAIの記事数")
        #expect(chart.points() == [.init(x: 2, y: 26), .init(x: 60, y: 2), .init(x: 118, y: 14)])
        let svg = chart.svg()
        #expect(svg.contains("<path class=\"chart-line\" d=\"M2.0,26.0 L60.0,2.0 L118.0,14.0\"/>"))
        #expect(svg.contains("<circle class=\"chart-dot\" cx=\"118.0\" cy=\"14.0\" r=\"2.0\"/>"))
        #expect(svg.contains("viewBox=\"0 0 120.0 28.0\""))
        #expect(chart.label == "OpenAIの記事数: 過去3日で3件、1日の最多2件。日別(古い順): 0、2、1")
        #expect(svg.contains("role=\"img\" aria-label=\"\(chart.label)\""))
        #expect(svg.contains("<title>\(chart.label)</title>"))
    }

    @Test func aSeriesOfZerosLiesOnTheBaseline() {
        let chart = DailyChart(counts: [0, 0, 0, 0, 0], size: .wide, subject: "記事数")
        // 640×120 with a 4 px inset: the baseline is at y 116.
        #expect(chart.points().map(\.y) == [116, 116, 116, 116, 116])
        #expect(chart.points().map(\.x) == [4, 162, 320, 478, 636])
        #expect(chart.label.contains("過去5日で0件"))
    }

    @Test func anEmptySeriesDrawsOnlyTheAxisAndSaysSo() {
        let chart = DailyChart(counts: [], size: .sparkline, subject: "記事数")
        #expect(chart.points().isEmpty)
        let svg = chart.svg()
        #expect(svg.contains("aria-label=\"記事数: データなし\""))
        #expect(svg.contains("<line class=\"chart-axis\""))
        #expect(!svg.contains("<path"))
        #expect(!svg.contains("<circle"))
        #expect(svg.hasSuffix("</svg>"))
    }

    @Test func oneDayIsADotInTheMiddle() {
        let chart = DailyChart(counts: [4], size: .sparkline, subject: "記事数")
        #expect(chart.points() == [.init(x: 60, y: 2)])
        let svg = chart.svg()
        #expect(!svg.contains("<path"), "a path of one point draws nothing")
        #expect(svg.contains("<circle class=\"chart-dot\" cx=\"60.0\" cy=\"2.0\" r=\"2.0\"/>"))
        #expect(chart.label.contains("過去1日で4件、1日の最多4件"))
    }

    /// Trends draw the period before (dashed) and the recent one, joined at the first recent day.
    @Test func theEarlierPeriodIsDrawnApartAndStatedApart() {
        let chart = DailyChart(counts: [1, 0, 2, 3], earlierDays: 2, size: .sparkline, subject: "#エージェントの記事数")
        let svg = chart.svg()
        // Largest 3: y = 2 + (1 - n/3) × 24 → 1: 18, 0: 26, 2: 10, 3: 2; x every 116/3 px.
        #expect(svg.contains("<path class=\"chart-line chart-earlier\" d=\"M2.0,18.0 L40.7,26.0 L79.3,10.0\"/>"))
        #expect(svg.contains("<path class=\"chart-line\" d=\"M79.3,10.0 L118.0,2.0\"/>"))
        #expect(chart.label.hasPrefix("#エージェントの記事数: 直近2日で5件、その前の2日で1件。"))
    }

    @Test func theNameIsEscapedAndNothingOutsideIsReferenced() {
        let chart = DailyChart(counts: [1, 2], size: .sparkline, subject: "<script>\"&'の記事数")
        let svg = chart.svg()
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("&lt;script&gt;"))
        for reference in ["href", "url(", "http", "xlink", "<image", "<use", "<foreignObject", "style="] {
            #expect(!svg.contains(reference), "\(reference)")
        }
    }
}
