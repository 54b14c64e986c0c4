import Foundation

/// Small, dependency-free SVG figures: scatter plots with a fitted line (the paper's
/// Figure 6) and a bar chart of paired changes. Plain SVG 1.1 that browsers, Inkscape and
/// the tests' XML parser read.
public enum Figures {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    public static func scatter(_ association: StudyAnalysis.Association, yLabel: String = "average brain alignment (raw r)") -> String {
        let width = 560.0, height = 420.0, left = 70.0, right = 20.0, top = 40.0, bottom = 60.0
        let xs = association.points.map(\.x), ys = association.points.map(\.y)
        let (x0, x1) = padded(xs), (y0, y1) = padded(ys)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom) }
        let families = Array(Set(association.points.map(\.family))).sorted()
        var body = axes(width: width, height: height, left: left, right: right, top: top, bottom: bottom,
                        xRange: (x0, x1), yRange: (y0, y1), xLabel: association.property, yLabel: yLabel, px: px, py: py)
        let fit = Statistics.line(xs, ys)
        body += "<clipPath id=\"plot-area\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width - left - right))\" height=\"\(f(height - top - bottom))\"/></clipPath>\n"
        body += "<line clip-path=\"url(#plot-area)\" x1=\"\(f(px(x0)))\" y1=\"\(f(py(fit.slope * x0 + fit.intercept)))\" x2=\"\(f(px(x1)))\" y2=\"\(f(py(fit.slope * x1 + fit.intercept)))\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n"
        for point in association.points {
            let color = palette[(families.firstIndex(of: point.family) ?? 0) % palette.count]
            body += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"5\" fill=\"\(color)\" fill-opacity=\"0.8\"><title>\(escape(point.model)): \(f(point.x)), \(f(point.y))</title></circle>\n"
        }
        for (index, family) in families.enumerated() {
            let y = top + 14 + Double(index) * 16
            body += "<circle cx=\"\(f(left + 12))\" cy=\"\(f(y - 4))\" r=\"5\" fill=\"\(palette[index % palette.count])\"/><text x=\"\(f(left + 22))\" y=\"\(f(y))\" font-size=\"12\">\(escape(family.isEmpty ? "models" : family))</text>\n"
        }
        let title = association.note.map { "\(association.property) (\(association.population)): \($0)" }
            ?? String(format: "%@ (%@): r = %.3f, p = %.3g", association.property, association.population, association.pearson.r, association.pearson.p)
        return document(width: width, height: height, title: title, body: body)
    }

    /// Horizontal bars: each instruction-tuned model's change of average alignment over its
    /// base. A pair without a percent change (base average not positive, or missing) gets no
    /// bar but a label saying so, never a bar of some other length.
    public static func changes(_ analysis: StudyAnalysis) -> String {
        let rowHeight = 18.0, left = 190.0, right = 40.0, top = 50.0, bottom = 50.0
        let width = 640.0, height = top + bottom + rowHeight * Double(max(analysis.pairs.count, 1))
        let values = analysis.pairs.map(\.averageChange)
        let (v0, v1) = padded(values + [0])
        func px(_ v: Double) -> Double { left + (v - v0) / (v1 - v0) * (width - left - right) }
        var body = "<line x1=\"\(f(px(0)))\" y1=\"\(f(top - 6))\" x2=\"\(f(px(0)))\" y2=\"\(f(height - bottom + 6))\" stroke=\"#000\"/>\n"
        for (index, pair) in analysis.pairs.enumerated() {
            let y = top + Double(index) * rowHeight
            if pair.averageChange.isFinite {
                let x = min(px(0), px(pair.averageChange)), w = abs(px(pair.averageChange) - px(0))
                let color = pair.averageChange >= 0 ? palette[0] : palette[1]
                body += "<rect x=\"\(f(x))\" y=\"\(f(y + 3))\" width=\"\(f(w))\" height=\"\(f(rowHeight - 6))\" fill=\"\(color)\"><title>\(escape(pair.model)) vs \(escape(pair.base)): \(f(pair.averageChange))%</title></rect>\n"
            } else {
                let why = pair.notes.first { $0.hasPrefix("average") } ?? "no percent change"
                body += "<text x=\"\(f(px(0) + 4))\" y=\"\(f(y + rowHeight - 5))\" font-size=\"11\" fill=\"#555\">n/a<title>\(escape(pair.model)) vs \(escape(pair.base)): \(escape(why))</title></text>\n"
            }
            body += "<text x=\"\(f(left - 8))\" y=\"\(f(y + rowHeight - 5))\" font-size=\"12\" text-anchor=\"end\">\(escape(pair.model))</text>\n"
        }
        for tick in ticks(v0, v1) {
            body += "<text x=\"\(f(px(tick)))\" y=\"\(f(height - bottom + 22))\" font-size=\"11\" text-anchor=\"middle\">\(f(tick))</text>\n"
        }
        body += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 12))\" font-size=\"13\" text-anchor=\"middle\">change of average brain alignment over the base model (%)</text>\n"
        let mean = analysis.meanAverage
        let test = analysis.wilcoxon.note == nil ? String(format: "Wilcoxon p = %.3g", analysis.wilcoxon.p) : "Wilcoxon: not enough pairs"
        let title = String(format: "Instruction tuning: mean change %+.2f%% over %d pairs, %@", mean.percent, mean.percentPairs, test)
        return document(width: width, height: height, title: title, body: body)
    }

    // MARK: Pieces

    static func axes(width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double,
                     xRange: (Double, Double), yRange: (Double, Double), xLabel: String, yLabel: String,
                     px: (Double) -> Double, py: (Double) -> Double) -> String {
        var s = "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width - left - right))\" height=\"\(f(height - top - bottom))\" fill=\"none\" stroke=\"#000\"/>\n"
        for tick in ticks(xRange.0, xRange.1) {
            s += "<line x1=\"\(f(px(tick)))\" y1=\"\(f(height - bottom))\" x2=\"\(f(px(tick)))\" y2=\"\(f(height - bottom + 5))\" stroke=\"#000\"/>"
            s += "<text x=\"\(f(px(tick)))\" y=\"\(f(height - bottom + 18))\" font-size=\"11\" text-anchor=\"middle\">\(f(tick))</text>\n"
        }
        for tick in ticks(yRange.0, yRange.1) {
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(tick)))\" x2=\"\(f(left))\" y2=\"\(f(py(tick)))\" stroke=\"#000\"/>"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(tick) + 4))\" font-size=\"11\" text-anchor=\"end\">\(f(tick))</text>\n"
        }
        s += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 15))\" font-size=\"13\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text x=\"18\" y=\"\(f((top + height - bottom) / 2))\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f((top + height - bottom) / 2)))\">\(escape(yLabel))</text>\n"
        return s
    }

    static func document(width: Double, height: Double, title: String, body: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
        <title>\(escape(title))</title>
        <rect width="100%" height="100%" fill="#fff"/>
        <text x="\(f(width / 2))" y="22" font-size="14" text-anchor="middle">\(escape(title))</text>
        \(body)</svg>

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
    /// Score by relative layer depth (0 = first layer, 1 = last), one line per result, so
    /// models of different depth compare.
    public static func layerProfile(_ series: [(name: String, scores: [Double])], title: String) -> String {
        let width = 600.0, height = 420.0, left = 70.0, right = 150.0, top = 40.0, bottom = 60.0
        let all = series.flatMap(\.scores).filter(\.isFinite)
        let (y0, y1) = padded(all)
        func px(_ x: Double) -> Double { left + x * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom) }
        var body = axes(width: width, height: height, left: left, right: right, top: top, bottom: bottom, xRange: (0, 1), yRange: (y0, y1),
                        xLabel: "relative layer depth", yLabel: "score", px: px, py: py)
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            let n = line.scores.count
            let points = line.scores.enumerated().filter { $0.element.isFinite }.map { (n > 1 ? Double($0.offset) / Double(n - 1) : 0.5, $0.element) }
            body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " "))\"/>\n"
            for point in points { body += "<circle cx=\"\(f(px(point.0)))\" cy=\"\(f(py(point.1)))\" r=\"3\" fill=\"\(color)\"/>\n" }
            body += "<text x=\"\(f(width - right + 10))\" y=\"\(f(top + 14 + Double(index) * 16))\" font-size=\"12\" fill=\"\(color)\">\(escape(line.name))</text>\n"
        }
        return document(width: width, height: height, title: title, body: body)
    }

    /// Histogram of per-neuroid values (e.g. r at the best layer).
    public static func histogram(_ values: [Double], bins: Int = 30, title: String, xLabel: String) -> String {
        let width = 560.0, height = 380.0, left = 70.0, right = 20.0, top = 40.0, bottom = 60.0
        let finite = values.filter(\.isFinite)
        let (x0, x1) = padded(finite)
        var counts = [Int](repeating: 0, count: bins)
        for v in finite { counts[min(bins - 1, max(0, Int((v - x0) / (x1 - x0) * Double(bins))))] += 1 }
        let (_, yMax) = (0.0, Double(counts.max() ?? 1) * 1.1)
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
