import Foundation

extension PoolAnalysis {
    /// The colours of the ten most common labels (Tableau 10); the rest are drawn grey as "other".
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
    static let otherColour = "#d0d0d0"

    /// The analysis drawn as a standalone SVG document: one panel per kind (concrete to
    /// abstract, left to right), each the kind's memories projected on their first two principal
    /// components and coloured by label, titled with the kind's DBI and LISI against their
    /// shuffled baselines; a legend of the labels below.
    ///
    /// Self-contained (no script, no external reference), so it can be written to a file or
    /// inlined in an HTML page. Every text is XML-escaped.
    public func svg() -> String {
        let panel = 300.0
        let gap = 20.0
        let top = 64.0
        let columns = max(1, kinds.count)
        let width = gap + Double(columns) * (panel + gap)
        var counts: [String: Int] = [:]
        for kind in kinds { for point in kind.points { counts[point.label, default: 0] += 1 } }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let coloured = Array(ranked.prefix(Self.palette.count))
        func colour(_ label: String) -> String {
            coloured.firstIndex(of: label).map { Self.palette[$0] } ?? Self.otherColour
        }
        var legend = coloured.map { ($0, colour($0)) }
        if ranked.count > coloured.count { legend.append(("other (\(ranked.count - coloured.count) labels)", Self.otherColour)) }
        let legendRows = (legend.count + 3) / 4
        let height = top + panel + 40 + Double(legendRows) * 18 + gap

        var out = "<?xml version='1.0' encoding='UTF-8'?>" + "\n"
        out += "<svg xmlns='http://www.w3.org/2000/svg' width='\(fmt(width))' height='\(fmt(height))' viewBox='0 0 \(fmt(width)) \(fmt(height))' font-family='sans-serif'>" + "\n"
        out += "<rect width='100%' height='100%' fill='white'/>" + "\n"
        out += "<text x='\(fmt(gap))' y='24' font-size='16'>\(Self.escape("mnem analyze --by \(label.rawValue): memories projected on their first two principal components"))</text>" + "\n"
        out += "<text x='\(fmt(gap))' y='44' font-size='11' fill='#555'>\(Self.escape("embedder \(embedderID), commit \(commit.prefix(12)); DBI low and LISI near 1 = clustered by \(label.rawValue); shuffled = labels reassigned at random"))</text>" + "\n"
        for (index, kind) in kinds.enumerated() {
            let x0 = gap + Double(index) * (panel + gap)
            out += "<g class='panel' data-kind='\(kind.kind.rawValue)'>" + "\n"
            out += "<rect x='\(fmt(x0))' y='\(fmt(top))' width='\(fmt(panel))' height='\(fmt(panel))' fill='#fafafa' stroke='#999'/>" + "\n"
            out += "<text x='\(fmt(x0 + 6))' y='\(fmt(top + 16))' font-size='13' font-weight='bold'>\(Self.escape("\(kind.kind.rawValue) (\(kind.count))"))</text>" + "\n"
            out += "<text x='\(fmt(x0 + 6))' y='\(fmt(top + panel + 16))' font-size='11'>\(Self.escape("DBI \(Self.figure(kind.daviesBouldin)) (shuffled \(Self.figure(kind.daviesBouldinShuffled)))"))</text>" + "\n"
            out += "<text x='\(fmt(x0 + 6))' y='\(fmt(top + panel + 30))' font-size='11'>\(Self.escape("LISI \(Self.figure(kind.lisi)) (shuffled \(Self.figure(kind.lisiShuffled))), \(kind.labels) labels"))</text>" + "\n"
            let xs = kind.points.map(\.x)
            let ys = kind.points.map(\.y)
            let (minX, maxX) = (xs.min() ?? 0, xs.max() ?? 0)
            let (minY, maxY) = (ys.min() ?? 0, ys.max() ?? 0)
            let inner = panel - 48
            func place(_ v: Double, _ low: Double, _ high: Double) -> Double {
                high > low ? (v - low) / (high - low) * inner : inner / 2
            }
            // Grey ("other") first, so the coloured labels are drawn on top.
            let order = kind.points.indices.sorted { (colour(kind.points[$0].label) == Self.otherColour ? 0 : 1) < (colour(kind.points[$1].label) == Self.otherColour ? 0 : 1) }
            for i in order {
                let point = kind.points[i]
                let cx = x0 + 24 + place(point.x, minX, maxX)
                let cy = top + 24 + inner - place(point.y, minY, maxY)
                out += "<circle cx='\(fmt(cx))' cy='\(fmt(cy))' r='4' fill='\(colour(point.label))' fill-opacity='0.85' stroke='#333' stroke-width='0.4'><title>\(Self.escape("\(point.label) · \(point.id.short)"))</title></circle>" + "\n"
            }
            out += "</g>\n"
        }
        let legendTop = top + panel + 48
        for (index, entry) in legend.enumerated() {
            let x = gap + Double(index % 4) * (width - 2 * gap) / 4
            let y = legendTop + Double(index / 4) * 18
            out += "<circle cx='\(fmt(x + 5))' cy='\(fmt(y - 4))' r='5' fill='\(entry.1)'/>"
            out += "<text x='\(fmt(x + 14))' y='\(fmt(y))' font-size='11'>\(Self.escape(String(entry.0.prefix(40))))</text>" + "\n"
        }
        out += "</svg>\n"
        return out
    }

    /// A figure to two decimals, or "–" when there is none.
    static func figure(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.2f", value)
    }

    /// Text made safe for XML character data and attribute values; characters XML 1.0 forbids are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = scalar.value
                let allowed = v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || v >= 0x10000
                if allowed { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}

private func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
