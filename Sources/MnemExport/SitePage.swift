import MnemCore

/// Where things live in the exported site, and the frame every page shares.
///
/// Every link is relative, so the site works from `file://` and from any static host under
/// any path. Memory pages are fanned out by the first two hex digits of their id, as the pool
/// itself is, so no directory holds more than a few hundred files at 100,000 memories.
enum SitePage {
    static let index = "index.html"
    static let stats = "stats.html"
    static let stylesheet = "mnem.css"
    static let indexData = "data/index.js"
    static let script = "mnem.js"
    static let analysis = "analysis.svg"
    /// Marks a directory as a mnem export, so a later export may replace it and nothing else.
    static let marker = ".mnem-export"

    /// `m/<2 hex>/<id>.html`, from the site's root.
    static func memoryPath(_ id: MemoryID) -> String { "m/\(id.rawValue.prefix(2))/\(id.rawValue).html" }

    /// The way back to the site's root from a page at `path`.
    static func root(from path: String) -> String {
        String(repeating: "../", count: path.split(separator: "/").count - 1)
    }

    /// A link from the page at `from` to the memory `id`.
    static func link(to id: MemoryID, from path: String) -> String {
        path.hasPrefix("m/") ? "../\(id.rawValue.prefix(2))/\(id.rawValue).html" : memoryPath(id)
    }

    /// A link to `memory`'s page at `href`: its kind and its title.
    static func memoryLink(_ memory: Memory, href: String) -> String {
        "<a href=\"\(href)\"><span class=\"kind \(memory.kind.rawValue)\">\(memory.kind.rawValue)</span> \(HTML.escape(memory.title(limit: 100)))</a>"
    }

    /// A link to the index with a filter already applied, e.g. `index.html#domain=python`.
    static func filtered(_ facet: String, _ value: String, root: String) -> String {
        "\(root)\(index)#\(facet)=\(percentEncoded(value))"
    }

    /// `text` percent-encoded as JavaScript's `encodeURIComponent` does it, so the index's
    /// script reads it back with `decodeURIComponent`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F, 0x2E, 0x21, 0x7E, 0x2A, 0x28, 0x29:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    /// A whole page: head with the shared stylesheet, the site's navigation, `body`, and a
    /// footer naming the commit the site was exported from. `title` is escaped here; `body` must
    /// already be escaped HTML.
    /// - Parameter scripts: the site's own scripts the page loads (relative to the root); pages
    ///   without any forbid scripts altogether.
    static func frame(title: String, path: String, current: String?, footer: String, body: String, scripts: [String] = []) -> String {
        let root = root(from: path)
        func nav(_ target: String, _ label: String) -> String {
            let here = current == target ? " aria-current=\"page\"" : ""
            return "<a href=\"\(root)\(target)\"\(here)>\(label)</a>"
        }
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        // A second wall behind escaping: nothing loads from outside the site, and no inline
        // script, event handler or style attribute runs, even if some markup got through.
        let scriptSource = scripts.isEmpty ? "'none'" : "'self'"
        page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; style-src 'self'; script-src \(scriptSource); base-uri 'none'; form-action 'none'\">\n"
        page += "<meta name=\"referrer\" content=\"no-referrer\">\n"
        page += "<title>\(HTML.escape(title)) · mnem</title>\n<link rel=\"stylesheet\" href=\"\(root)\(stylesheet)\">\n</head>\n<body>\n"
        page += "<header class=\"site\"><span class=\"brand\">mnem</span><nav>\(nav(index, "Memories")) \(nav(stats, "Stats"))</nav></header>\n"
        page += "<main>\n\(body)\n</main>\n<footer>\(footer)</footer>\n"
        for script in scripts { page += "<script src=\"\(root)\(script)\"></script>\n" }
        page += "</body>\n</html>\n"
        return page
    }
}

extension Memory {
    /// The first line of the headline, at most `limit` characters; the short id when there is none.
    func title(limit: Int) -> String {
        let line = headline.firstLine(limit: limit)
        return line.isEmpty ? id.short : line
    }
}
