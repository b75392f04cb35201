import MnemCore

/// Edits one member of a JSON object inside a document's bytes, leaving every other byte as it was.
///
/// Agents keep MCP servers in files they also use for much else (`~/.claude.json` holds Claude
/// Code's whole state), in their own formatting. Rewriting such a file canonically would keep
/// its meaning but not its bytes; here only the member mnem owns is inserted, replaced or cut,
/// indented like its neighbours, so an uninstall after an install gives back the original bytes.
/// The document must already have been validated by `JSONParser`.
enum JSONSplice {
    struct Member {
        var key: String
        /// From the key's opening quote to the end of the value.
        var start: Int
        var valueStart: Int
        var end: Int
    }

    struct Object {
        var open: Int
        var close: Int
        var members: [Member]

        func member(_ key: String) -> Member? { members.first { $0.key == key } }
    }

    /// The object whose `{` is at `open`.
    static func object(_ bytes: [UInt8], at open: Int) -> Object {
        var members: [Member] = []
        var i = skipSpace(bytes, open + 1)
        while i < bytes.count, bytes[i] != 0x7D {
            let keyStart = i
            let keyEnd = skipValue(bytes, i)
            let key = (try? JSONParser.parse(String(decoding: bytes[keyStart..<keyEnd], as: UTF8.self)))?.stringValue ?? ""
            i = skipSpace(bytes, keyEnd)
            i = skipSpace(bytes, i + 1)  // the colon
            let valueStart = i
            let valueEnd = skipValue(bytes, i)
            members.append(Member(key: key, start: keyStart, valueStart: valueStart, end: valueEnd))
            i = skipSpace(bytes, valueEnd)
            if i < bytes.count, bytes[i] == 0x2C { i = skipSpace(bytes, i + 1) }
        }
        return Object(open: open, close: i, members: members)
    }

    /// The top-level object of a document.
    static func root(_ bytes: [UInt8]) -> Object? {
        let start = skipSpace(bytes, 0)
        guard start < bytes.count, bytes[start] == 0x7B else { return nil }
        return object(bytes, at: start)
    }

    /// The document with `key: value` inserted as the object's last member.
    static func insert(_ key: String, _ value: JSONValue, into object: Object, of bytes: [UInt8]) -> [UInt8] {
        let layout = indentation(bytes, object)
        var text: [UInt8]
        if let last = object.members.last {
            text = Array(",".utf8) + layout.separator + member(key, value, layout)
            return Array(bytes[..<last.end]) + text + Array(bytes[last.end...])
        }
        text = layout.separator + member(key, value, layout) + layout.closing
        return Array(bytes[...object.open]) + text + Array(bytes[object.close...])
    }

    /// The document with `member`'s value replaced by `value`.
    static func replace(_ member: Member, with value: JSONValue, in object: Object, of bytes: [UInt8]) -> [UInt8] {
        let layout = indentation(bytes, object)
        return Array(bytes[..<member.valueStart]) + render(value, layout.inner, layout.unit) + Array(bytes[member.end...])
    }

    /// The document without `member`: the exact inverse of `insert`.
    static func remove(_ member: Member, from object: Object, of bytes: [UInt8]) -> [UInt8] {
        guard let index = object.members.firstIndex(where: { $0.start == member.start }) else { return bytes }
        if index > 0 {
            return Array(bytes[..<object.members[index - 1].end]) + Array(bytes[member.end...])
        }
        if object.members.count > 1 {
            return Array(bytes[..<member.start]) + Array(bytes[object.members[1].start...])
        }
        return Array(bytes[...object.open]) + Array(bytes[object.close...])
    }

    struct Layout {
        /// What goes before a member: a newline and the members' indentation, or a space.
        var separator: [UInt8]
        /// What goes before the closing brace of an object that was empty.
        var closing: [UInt8]
        /// The members' indentation (nil: one line).
        var inner: [UInt8]?
        var unit: [UInt8]
    }

    /// How the object's members are laid out: one per line with some indentation, or on one line.
    static func indentation(_ bytes: [UInt8], _ object: Object) -> Layout {
        let own = lineIndent(bytes, object.open)
        if let first = object.members.first {
            let between = bytes[(object.open + 1)..<first.start]
            guard let newline = between.lastIndex(of: 0x0A) else {
                return Layout(separator: [0x20], closing: [], inner: nil, unit: [])
            }
            let inner = Array(bytes[(newline + 1)..<first.start])
            let unit = inner.count > own.count ? Array(inner[own.count...]) : Array("  ".utf8)
            return Layout(separator: [0x0A] + inner, closing: [0x0A] + own, inner: inner, unit: unit)
        }
        let unit = Array("  ".utf8)
        return Layout(separator: [0x0A] + own + unit, closing: [0x0A] + own, inner: own + unit, unit: unit)
    }

    static func member(_ key: String, _ value: JSONValue, _ layout: Layout) -> [UInt8] {
        CanonicalJSON.compact(.string(key)) + Array(": ".utf8) + render(value, layout.inner, layout.unit)
    }

    /// `value` pretty-printed at `indent` (keys in the order `keyOrder` gives, then sorted), or on one line.
    static func render(_ value: JSONValue, _ indent: [UInt8]?, _ unit: [UInt8]) -> [UInt8] {
        switch value {
        case .object(let members) where !members.isEmpty:
            let keys = members.keys.sorted { (keyOrder.firstIndex(of: $0) ?? keyOrder.count, $0) < (keyOrder.firstIndex(of: $1) ?? keyOrder.count, $1) }
            let inner = indent.map { $0 + unit }
            var out: [UInt8] = [0x7B]
            for (n, key) in keys.enumerated() {
                if n > 0 { out.append(0x2C) }
                out += inner.map { [0x0A] + $0 } ?? [0x20]
                out += CanonicalJSON.compact(.string(key)) + Array(": ".utf8)
                if let member = members[key] { out += render(member, inner, unit) }
            }
            out += indent.map { [0x0A] + $0 } ?? [0x20]
            out.append(0x7D)
            return out
        case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }):
            // Short string lists (args) stay on one line, as people write them.
            return Array("[".utf8) + Array(items.map { CanonicalJSON.compact($0) }.joined(separator: Array(", ".utf8))) + Array("]".utf8)
        default:
            return CanonicalJSON.compact(value)
        }
    }

    static let keyOrder = ["type", "command", "args", "env"]

    static func lineIndent(_ bytes: [UInt8], _ position: Int) -> [UInt8] {
        var start = position
        while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
        var end = start
        while end < bytes.count, bytes[end] == 0x20 || bytes[end] == 0x09 { end += 1 }
        return Array(bytes[start..<end])
    }

    static func skipSpace(_ bytes: [UInt8], _ from: Int) -> Int {
        var i = from
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        return i
    }

    /// The end of the value starting at `from` (a validated document: strings, brackets, scalars).
    static func skipValue(_ bytes: [UInt8], _ from: Int) -> Int {
        var i = from
        var depth = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x22 {
                i += 1
                while i < bytes.count, bytes[i] != 0x22 { i += bytes[i] == 0x5C ? 2 : 1 }
                i += 1
                if depth == 0 { return i }
                continue
            }
            if byte == 0x7B || byte == 0x5B {
                depth += 1
            } else if byte == 0x7D || byte == 0x5D {
                depth -= 1
                if depth == 0 { return i + 1 }
                if depth < 0 { return i }
            } else if depth == 0, byte == 0x2C || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                return i
            }
            i += 1
        }
        return i
    }
}
