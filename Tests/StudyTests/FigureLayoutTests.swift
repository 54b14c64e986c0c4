import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Study
import TestSupport
import Testing

/// Every text of every figure lies inside the view box, by the estimated extent the layout
/// uses (FigureText.characterWidth x font size per character; rotated labels vertically).
@Suite struct FigureLayoutTests {
    final class Texts: NSObject, XMLParserDelegate {
        var viewBox: (Double, Double) = (0, 0)
        var texts: [(attributes: [String: String], content: String)] = []
        private var current: [String: String]?, content = "", inTitle = false
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if name == "svg", let box = attributes["viewBox"] {
                let parts = box.split(separator: " ").compactMap { Double($0) }
                viewBox = (parts[2], parts[3])
            }
            if name == "text" { current = attributes; content = "" }
            if name == "title" { inTitle = true }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { if current != nil && !inTitle { content += string } }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "title" { inTitle = false }
            if name == "text", let attributes = current { texts.append((attributes, content)); current = nil }
        }
    }

    /// Problems: each text whose estimated box leaves the canvas.
    func outside(_ svg: String) throws -> [String] {
        let texts = Texts()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = texts
        #expect(parser.parse())
        let (width, height) = texts.viewBox
        #expect(width > 0 && height > 0 && !texts.texts.isEmpty)
        var problems: [String] = []
        for (attributes, content) in texts.texts {
            let x = Double(attributes["x"] ?? "") ?? .nan, y = Double(attributes["y"] ?? "") ?? .nan
            let size = Double(attributes["font-size"] ?? "") ?? .nan
            let w = FigureText.width(of: content, size: size)
            let anchor = attributes["text-anchor"] ?? "start"
            var (left, right) = anchor == "middle" ? (x - w / 2, x + w / 2) : anchor == "end" ? (x - w, x) : (x, x + w)
            var (top, bottom) = (y - size, y + 0.25 * size)
            if attributes["transform"]?.hasPrefix("rotate(-90") == true { (left, right, top, bottom) = (x - size, x + 0.25 * size, y - w / 2, y + w / 2) }
            if left < 0 || right > width || top < 0 || bottom > height || size < FigureText.minimumSize {
                problems.append("'\(content)' at \(x),\(y) size \(size): [\(left), \(right)] x [\(top), \(bottom)] outside \(width) x \(height)")
            }
        }
        return problems
    }

    @Test func studyFiguresKeepTextOnTheCanvas() throws {
        let table = Fixture.repositoryRoot.appendingPathComponent("datasets/aw2023_models.csv").path
        let study = try StudyAnalysis(table: StudyTable(path: table))
        let colors = FamilyColors(families: study.families)
        #expect(study.families.count > 2)
        for association in study.associations {
            #expect(try outside(Figures.scatter(association, colors: colors)).isEmpty, "\(association.property)")
        }
        let changes = Figures.changes(study, colors: colors)
        #expect(try outside(changes).isEmpty)
        // One colour per family in every figure: a family's bars carry its colour.
        let t5 = colors.color("T5")
        #expect(changes.contains("fill=\"\(t5)\"><title>flan-t5-small vs t5-small"))
        let all = try #require(study.associations.first { $0.population == "all models" })
        let scatter = Figures.scatter(all, colors: colors)
        #expect(scatter.contains("r=\"4.5\" fill=\"#fff\" stroke=\"\(t5)\"") && scatter.contains("p(BH) = "))
        #expect(scatter.contains(">t5-small</text>"))
    }

    @Test func profilesAndHistogramsKeepLongLabelsOnTheCanvas() throws {
        let long = "a-very-long-model-name-from-an-organisation/with-a-longer-model-name-v2-instruct-2024"
        let profiles = [
            Figures.Profile(label: long, scores: [0.1, 0.25, 0.3, 0.2], ceiling: 0.36, spread: [0.02, 0.03, 0.01, 0.02]),
            Figures.Profile(label: "gpt2", scores: [0.05, 0.2, .nan], ceiling: 0.36),
        ]
        let svg = Figures.layerProfile(profiles, title: "Score by relative layer depth of " + long)
        #expect(try outside(svg).isEmpty)
        #expect(svg.contains("noise ceiling 0.360") && svg.contains("<polygon") && svg.contains("± MAD over subjects"))
        let histogram = Figures.histogram([0.1, 0.2, 0.2, 0.3], title: "\(long): r per neuroid at decoder.block.23 (layer 48 of 48)",
                                          xLabel: "held-out r (mean over splits)")
        #expect(try outside(histogram).isEmpty)
        #expect(histogram.contains("<title>\(long): r per neuroid"))  // the cut title keeps the full text as a tooltip
    }
}
