import Foundation

/// Small, dependency-free SVG figures: scatter plots with a fitted line (the paper's
/// Figure 6) and a bar chart of paired changes. Plain SVG 1.1 that browsers, Inkscape and
/// the tests' XML parser read.
public enum Figures {
    static let palette = FamilyColors.palette
    static let plotWidth = 430.0

    /// A legend to the right of the plot area (off the data): each entry a swatch (SVG drawn
    /// at the given centre) and a label. Returns the body and the width it needs.
    static func legend(_ entries: [(swatch: (Double, Double) -> String, label: String)], x: Double, top: Double) -> (body: String, width: Double) {
        let labelWidth = min(220, entries.map { FigureText.width(of: $0.label, size: 12) }.max() ?? 0)
        var body = ""
        for (index, entry) in entries.enumerated() {
            let y = top + 14 + Double(index) * 18
            body += entry.swatch(x + 9, y - 4)
            body += FigureText.element(entry.label, x: x + 24, y: y, size: 12, minX: x + 24, maxX: x + 24 + labelWidth)
        }
        return (body, entries.isEmpty ? 0 : 24 + labelWidth + 10)
    }

    static func dot(_ color: String, filled: Bool) -> (Double, Double) -> String {
        { x, y in filled ? "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"5\" fill=\"\(color)\"/>"
                         : "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4.5\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"2\"/>" }
    }

    /// Average alignment against a model property: one colour per family (the same in every
    /// figure of the study), instruction-tuned models filled and base models hollow, each
    /// point labelled with its model, the fitted line, and r with its raw and
    /// Benjamini-Hochberg adjusted p in the title.
    public static func scatter(_ association: StudyAnalysis.Association, colors: FamilyColors? = nil,
                               yLabel: String = "average brain alignment (raw r)") -> String {
        let left = 70.0, top = 40.0, bottom = 60.0, plotHeight = 320.0
        let colors = colors ?? FamilyColors(families: Array(Set(association.points.map(\.family))).sorted())
        let xs = association.points.map(\.x), ys = association.points.map(\.y)
        let (x0, x1) = padded(xs), (y0, y1) = padded(ys)
        let right = left + plotWidth, height = top + plotHeight + bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - y0) / (y1 - y0) * plotHeight }
        let families = Array(Set(association.points.map(\.family))).sorted { colors.families.firstIndex(of: $0) ?? 0 < colors.families.firstIndex(of: $1) ?? 0 }
        var entries: [(swatch: (Double, Double) -> String, label: String)] = families.map { (dot(colors.color($0), filled: true), $0.isEmpty ? "models" : $0) }
        let kinds = Set(association.points.map(\.tuned))
        if kinds.count > 1 { entries += [(dot("#555", filled: true), "instruction-tuned"), (dot("#555", filled: false), "base")] }
        let key = legend(entries, x: right + 20, top: top)
        let width = right + 20 + max(key.width, 10)
        var body = axes(width: width, height: height, left: left, right: width - right, top: top, bottom: bottom,
                        xRange: (x0, x1), yRange: (y0, y1), xLabel: association.property, yLabel: yLabel, px: px, py: py)
        let fit = Statistics.line(xs, ys)
        body += "<clipPath id=\"plot-area\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\"/></clipPath>\n"
        body += "<line clip-path=\"url(#plot-area)\" x1=\"\(f(px(x0)))\" y1=\"\(f(py(fit.slope * x0 + fit.intercept)))\" x2=\"\(f(px(x1)))\" y2=\"\(f(py(fit.slope * x1 + fit.intercept)))\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n"
        for point in association.points {
            let (cx, cy) = (px(point.x), py(point.y))
            body += "<g>" + dot(colors.color(point.family), filled: point.tuned)(cx, cy) + "<title>\(escape(point.model)): \(f(point.x)), \(f(point.y))</title></g>\n"
            body += FigureText.element(point.model, x: cx + 7, y: cy - 6, size: 9, minX: left + 2, maxX: right - 2, attributes: "fill=\"#333\"")
        }
        body += key.body
        let title = association.note.map { "\(association.property) (\(association.population)): \($0)" }
            ?? String(format: "%@ (%@): r = %.3f, p = %.3g, p(BH) = %.3g", association.property, association.population,
                      association.pearson.r, association.pearson.p, association.pearsonPAdjusted)
        return document(width: width, height: height, title: title, body: body)
    }

    /// Horizontal bars: each instruction-tuned model's change of average alignment over its
    /// base, coloured by family. A pair without a percent change (base average not
    /// positive, or missing) gets no bar but a label saying so, never a bar of some other length.
    public static func changes(_ analysis: StudyAnalysis, colors: FamilyColors? = nil) -> String {
        let colors = colors ?? FamilyColors(families: analysis.families)
        let rowHeight = 18.0, top = 50.0, bottom = 50.0, right = 40.0
        let left = 20 + min(260, max(100, analysis.pairs.map { FigureText.width(of: $0.model, size: 12) }.max() ?? 0))
        let families = colors.families.filter { family in analysis.pairs.contains { $0.family == family } }
        let key = legend(families.map { (dot(colors.color($0), filled: true), $0.isEmpty ? "models" : $0) }, x: left + plotWidth + right, top: top)
        let width = left + plotWidth + right + max(key.width, 0), height = top + bottom + rowHeight * Double(max(analysis.pairs.count, 1))
        let values = analysis.pairs.map(\.averageChange)
        let (v0, v1) = padded(values + [0])
        func px(_ v: Double) -> Double { left + (v - v0) / (v1 - v0) * plotWidth }
        var body = "<line x1=\"\(f(px(0)))\" y1=\"\(f(top - 6))\" x2=\"\(f(px(0)))\" y2=\"\(f(height - bottom + 6))\" stroke=\"#000\"/>\n"
        for (index, pair) in analysis.pairs.enumerated() {
            let y = top + Double(index) * rowHeight
            if pair.averageChange.isFinite {
                let x = min(px(0), px(pair.averageChange)), w = abs(px(pair.averageChange) - px(0))
                body += "<rect x=\"\(f(x))\" y=\"\(f(y + 3))\" width=\"\(f(w))\" height=\"\(f(rowHeight - 6))\" fill=\"\(colors.color(pair.family))\"><title>\(escape(pair.model)) vs \(escape(pair.base)): \(f(pair.averageChange))%</title></rect>\n"
            } else {
                let why = pair.notes.first { $0.hasPrefix("average") } ?? "no percent change"
                body += "<text x=\"\(f(px(0) + 4))\" y=\"\(f(y + rowHeight - 5))\" font-size=\"11\" fill=\"#555\">n/a<title>\(escape(pair.model)) vs \(escape(pair.base)): \(escape(why))</title></text>\n"
            }
            body += FigureText.element(pair.model, x: left - 8, y: y + rowHeight - 5, size: 12, anchor: "end", minX: 4, maxX: left - 8)
        }
        for tick in ticks(v0, v1) {
            body += FigureText.element(f(tick), x: px(tick), y: height - bottom + 22, size: 11, anchor: "middle", minX: 2, maxX: width - 2)
        }
        body += FigureText.element("change of average brain alignment over the base model (%)", x: left + plotWidth / 2, y: height - 12, size: 13,
                                   anchor: "middle", minX: 4, maxX: width - 4)
        body += key.body
        let mean = analysis.meanAverage
        let test = analysis.wilcoxon.note == nil ? String(format: "Wilcoxon p = %.3g", analysis.wilcoxon.p) : "Wilcoxon: not enough pairs"
        let interval = mean.percentInterval.map { String(format: " [95%% CI %+.2f, %+.2f]", $0.low, $0.high) } ?? ""
        let title = String(format: "Instruction tuning: mean change %+.2f%%%@ over %d pairs, %@", mean.percent, interval, mean.percentPairs, test)
        return document(width: width, height: height, title: title, body: body)
    }

    // MARK: Pieces

    static func axes(width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double,
                     xRange: (Double, Double), yRange: (Double, Double), xLabel: String, yLabel: String,
                     px: (Double) -> Double, py: (Double) -> Double) -> String {
        let plotRight = width - right, plotHeight = height - top - bottom
        var s = "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotRight - left))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#000\"/>\n"
        for tick in ticks(xRange.0, xRange.1) {
            s += "<line x1=\"\(f(px(tick)))\" y1=\"\(f(height - bottom))\" x2=\"\(f(px(tick)))\" y2=\"\(f(height - bottom + 5))\" stroke=\"#000\"/>"
            s += FigureText.element(f(tick), x: px(tick), y: height - bottom + 18, size: 11, anchor: "middle", minX: 2, maxX: width - 2)
        }
        for tick in ticks(yRange.0, yRange.1) {
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(tick)))\" x2=\"\(f(left))\" y2=\"\(f(py(tick)))\" stroke=\"#000\"/>"
            s += FigureText.element(f(tick), x: left - 8, y: py(tick) + 4, size: 11, anchor: "end", minX: 28, maxX: left - 8)
        }
        s += FigureText.element(xLabel, x: (left + plotRight) / 2, y: height - 15, size: 13, anchor: "middle", minX: 4, maxX: width - 4)
        // The y label is rotated: it must fit the plot's height.
        let size = min(13, max(FigureText.minimumSize, plotHeight / (Double(max(yLabel.count, 1)) * FigureText.characterWidth)))
        let middle = top + plotHeight / 2
        s += "<text x=\"18\" y=\"\(f(middle))\" font-size=\"\(f(size))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(middle)))\">\(escape(yLabel))</text>\n"
        return s
    }

    static func document(width: Double, height: Double, title: String, body: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
        <title>\(escape(title))</title>
        <rect width="100%" height="100%" fill="#fff"/>
        \(FigureText.element(title, x: width / 2, y: 22, size: 14, anchor: "middle", minX: 8, maxX: width - 8))\(body)</svg>

        """
    }

    static func padded(_ values: [Double]) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return (0, 1) }
        let span = high - low
        if span == 0 { return (low - 1, high + 1) }
        return (low - 0.08 * span, high + 0.08 * span)
    }

    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var tick = ceil(low / step) * step, values: [Double] = []
        while tick <= high + step * 1e-9 { values.append(abs(tick) < step * 1e-9 ? 0 : tick); tick += step }
        return values
    }

    static func f(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension Figures {
    /// One model's layer scores for a profile: a label (the model), the scores, its
    /// ceiling (drawn as a dashed line) and per layer the spread over subjects (drawn as a
    /// band of score +- spread), when known.
    public struct Profile: Sendable {
        public var label: String
        public var scores: [Double]
        public var ceiling: Double?
        public var spread: [Double]?
        public init(label: String, scores: [Double], ceiling: Double? = nil, spread: [Double]? = nil) {
            self.label = label
            self.scores = scores
            self.ceiling = ceiling
            self.spread = spread
        }
    }

    /// Score by relative layer depth (0 = first layer, 1 = last), one line per result, so
    /// models of different depth compare; the legend sits right of the plot.
    public static func layerProfile(_ series: [Profile], title: String) -> String {
        let left = 70.0, top = 40.0, bottom = 60.0, plotHeight = 320.0, right = left + plotWidth
        func depth(_ index: Int, _ n: Int) -> Double { n > 1 ? Double(index) / Double(n - 1) : 0.5 }
        var values = series.flatMap(\.scores).filter(\.isFinite) + series.compactMap(\.ceiling).filter(\.isFinite)
        for line in series {
            guard let spread = line.spread else { continue }
            for (score, s) in zip(line.scores, spread) where score.isFinite && s.isFinite { values += [score - s, score + s] }
        }
        let (y0, y1) = padded(values)
        func px(_ x: Double) -> Double { left + x * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - y0) / (y1 - y0) * plotHeight }
        var entries: [(swatch: (Double, Double) -> String, label: String)] = series.enumerated().map { index, line in
            let color = palette[index % palette.count]
            return ({ x, y in "<line x1=\"\(f(x - 8))\" y1=\"\(f(y))\" x2=\"\(f(x + 8))\" y2=\"\(f(y))\" stroke=\"\(color)\" stroke-width=\"2\"/>" }, line.label)
        }
        let ceilings = Array(Set(series.compactMap(\.ceiling).filter(\.isFinite))).sorted()
        if !ceilings.isEmpty {
            entries.append(({ x, y in "<line x1=\"\(f(x - 8))\" y1=\"\(f(y))\" x2=\"\(f(x + 8))\" y2=\"\(f(y))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>" },
                            ceilings.count == 1 ? String(format: "noise ceiling %.3f", ceilings[0]) : "noise ceilings (dashed)"))
        }
        if series.contains(where: { $0.spread != nil }) {
            entries.append(({ x, y in "<rect x=\"\(f(x - 8))\" y=\"\(f(y - 5))\" width=\"16\" height=\"10\" fill=\"#555\" fill-opacity=\"0.2\"/>" }, "± MAD over subjects"))
        }
        let key = legend(entries, x: right + 20, top: top)
        let width = right + 20 + max(key.width, 10), height = top + plotHeight + bottom
        var body = axes(width: width, height: height, left: left, right: width - right, top: top, bottom: bottom, xRange: (0, 1), yRange: (y0, y1),
                        xLabel: "relative layer depth", yLabel: "score (raw r)", px: px, py: py)
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            let n = line.scores.count
            if let spread = line.spread {
                let band = line.scores.indices.filter { line.scores[$0].isFinite && $0 < spread.count && spread[$0].isFinite }
                if band.count > 1 {
                    let upper = band.map { "\(f(px(depth($0, n)))),\(f(py(line.scores[$0] + spread[$0])))" }
                    let lower = band.reversed().map { "\(f(px(depth($0, n)))),\(f(py(line.scores[$0] - spread[$0])))" }
                    body += "<polygon fill=\"\(color)\" fill-opacity=\"0.15\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
                }
            }
            if let ceiling = line.ceiling, ceiling.isFinite {
                let stroke = ceilings.count == 1 ? "#555" : color
                body += "<line x1=\"\(f(left))\" y1=\"\(f(py(ceiling)))\" x2=\"\(f(right))\" y2=\"\(f(py(ceiling)))\" stroke=\"\(stroke)\" stroke-dasharray=\"4 3\"/>\n"
            }
            let points = line.scores.enumerated().filter { $0.element.isFinite }.map { (depth($0.offset, n), $0.element) }
            body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " "))\"/>\n"
            for point in points { body += "<circle cx=\"\(f(px(point.0)))\" cy=\"\(f(py(point.1)))\" r=\"3\" fill=\"\(color)\"/>\n" }
        }
        body += key.body
        return document(width: width, height: height, title: title, body: body)
    }

    /// Histogram of per-neuroid values (e.g. r at the best layer).
    public static func histogram(_ values: [Double], bins: Int = 30, title: String, xLabel: String) -> String {
        let width = 560.0, height = 380.0, left = 70.0, right = 20.0, top = 40.0, bottom = 60.0
        let finite = values.filter(\.isFinite)
        let (x0, x1) = padded(finite)
        var counts = [Int](repeating: 0, count: bins)
        for v in finite { counts[min(bins - 1, max(0, Int((v - x0) / (x1 - x0) * Double(bins))))] += 1 }
        let yMax = Double(counts.max() ?? 1) * 1.1
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - y / max(yMax, 1) * (height - top - bottom) }
        var body = axes(width: width, height: height, left: left, right: right, top: top, bottom: bottom, xRange: (x0, x1), yRange: (0, max(yMax, 1)),
                        xLabel: xLabel, yLabel: "neuroids", px: px, py: py)
        let step = (x1 - x0) / Double(bins)
        for (i, count) in counts.enumerated() where count > 0 {
            let a = px(x0 + Double(i) * step), b = px(x0 + Double(i + 1) * step)
            body += "<rect x=\"\(f(a))\" y=\"\(f(py(Double(count))))\" width=\"\(f(max(b - a - 1, 0.5)))\" height=\"\(f(py(0) - py(Double(count))))\" fill=\"\(palette[0])\"/>\n"
        }
        return document(width: width, height: height, title: title, body: body)
    }
}
