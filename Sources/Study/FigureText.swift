import Foundation

/// Text placement for the SVG figures. SVG has no text measurement, so widths are
/// estimated (`width(of:size:)`, generous for Helvetica/Arial) and every label is fitted to
/// the room it has: shrunk down to `minimumSize`, then cut with an ellipsis (the full text
/// stays in a <title> tooltip). The canvas grows to hold legends instead of drawing them
/// over the data. Tests parse the SVG and check every text's estimated extent against the
/// view box with the same estimate.
public enum FigureText {
    /// Average advance of a character, as a fraction of the font size (Helvetica's is ~0.55
    /// for mixed text; wide capitals and digits push it up).
    public static let characterWidth = 0.6
    public static let minimumSize = 8.0

    public static func width(of text: String, size: Double) -> Double { Double(text.count) * size * characterWidth }

    /// A <text> element whose estimated extent lies within `minX...maxX`: `x` is the anchor
    /// point; the text is shrunk or cut to fit, and moved inside if it would stick out.
    static func element(_ text: String, x: Double, y: Double, size: Double, anchor: String = "start", minX: Double, maxX: Double,
                        attributes: String = "") -> String {
        let room = maxX - minX
        var size = size, shown = text
        if width(of: shown, size: size) > room { size = max(minimumSize, room / (Double(shown.count) * characterWidth)) }
        if width(of: shown, size: size) > room {
            let keep = max(1, Int(room / (size * characterWidth)) - 1)
            shown = String(shown.prefix(keep)) + "…"
        }
        let w = width(of: shown, size: size)
        // The extent for this anchor, shifted inside the bounds.
        var left = anchor == "middle" ? x - w / 2 : anchor == "end" ? x - w : x
        left = min(max(left, minX), maxX - w)
        let anchoredX = anchor == "middle" ? left + w / 2 : anchor == "end" ? left + w : left
        let tooltip = shown == text ? "" : "<title>\(Figures.escape(text))</title>"
        return "<text x=\"\(Figures.f(anchoredX))\" y=\"\(Figures.f(y))\" font-size=\"\(Figures.f(size))\" text-anchor=\"\(anchor)\"\(attributes.isEmpty ? "" : " " + attributes)>\(Figures.escape(shown))\(tooltip)</text>\n"
    }
}

/// One colour per family, the same in every figure of a study: the family's place in the
/// sorted list of all families of the table.
public struct FamilyColors: Sendable {
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
    public var families: [String]
    public init(families: [String]) { self.families = families }

    public func color(_ family: String) -> String {
        Self.palette[(families.firstIndex(of: family) ?? families.count) % Self.palette.count]
    }
}
