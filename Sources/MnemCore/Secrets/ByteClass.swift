import Foundation

/// A set of ASCII bytes as a 256-entry table, for the secret matchers.
struct ByteClass: Sendable {
    let table: [Bool]

    init(_ member: (UInt8) -> Bool) {
        table = (0...255).map { member(UInt8($0)) }
    }

    init(characters: String, alnum: Bool) {
        let extra = Set(characters.utf8)
        self.init { b in (alnum && ByteClass.isAlnum(b)) || extra.contains(b) }
    }

    @inline(__always) func contains(_ b: UInt8) -> Bool { table[Int(b)] }

    static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isUpper(b) || isLower(b) }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }

    static let alnum = ByteClass { isAlnum($0) }
    static let upperDigit = ByteClass { isUpper($0) || isDigit($0) }
    static let hexLower = ByteClass { isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) }
    static let hex = ByteClass { isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    /// Letters, digits, `_` and `-` (base64url and most provider tokens).
    static let token = ByteClass(characters: "_-", alnum: true)
    static let tokenUnderscore = ByteClass(characters: "_", alnum: true)
    static let tokenDash = ByteClass(characters: "-", alnum: true)
    static let base64 = ByteClass(characters: "+/=", alnum: true)
    /// What a secret value assigned to a name may contain.
    static let value = ByteClass(characters: "_-./+=~", alnum: true)
    /// What a quoted secret value, or one in an environment file, may contain: printable ASCII
    /// but space, quotes and backslash.
    static let quotedValue = ByteClass { b in b > 0x20 && b < 0x7F && b != 0x22 && b != 0x27 && b != 0x60 && b != 0x5C }
    /// What an identifier naming a secret may contain (`AWS_SECRET_ACCESS_KEY`, `api-key`, `x.token`).
    static let identifier = ByteClass(characters: "_-.", alnum: true)
    /// What a password in an assignment may contain: anything but space, quotes and separators.
    static let password = ByteClass { b in
        b > 0x20 && b < 0x7F && !"\"'`,;&)}]>\\".utf8.contains(b) || b >= 0x80
    }
    static let digit = ByteClass { isDigit($0) }
    static let space = ByteClass { $0 == 0x20 }
    static let urlPath = ByteClass(characters: "/_-", alnum: true)
    static let sasSignature = ByteClass(characters: "%+/=", alnum: true)
    /// Anything up to a closing quote (`"`, `'` or a backtick), a backslash or a newline, one
    /// table per quote: a table is 256 entries, too many to build at every match.
    static let untilDoubleQuote = ByteClass { $0 != 0x22 && $0 != 0x5C && $0 != 0x0A }
    static let untilSingleQuote = ByteClass { $0 != 0x27 && $0 != 0x5C && $0 != 0x0A }
    static let untilBacktick = ByteClass { $0 != 0x60 && $0 != 0x5C && $0 != 0x0A }
    static func until(quote: UInt8) -> ByteClass {
        quote == 0x22 ? untilDoubleQuote : quote == 0x27 ? untilSingleQuote : untilBacktick
    }
    /// The user-info part of a URL.
    static let userinfo = ByteClass { b in
        b > 0x20 && b < 0x7F && !"/?#@\"'`<>[]{}\\ ".utf8.contains(b) || b >= 0x80
    }
}

/// The bytes a matcher looks at, with the small scanning helpers every rule uses.
struct Text {
    let bytes: UnsafeBufferPointer<UInt8>
    var count: Int { bytes.count }

    @inline(__always) subscript(i: Int) -> UInt8 { bytes[i] }

    /// Whether `i` starts a word: the byte before it is not a letter or digit.
    func boundaryBefore(_ i: Int) -> Bool { i == 0 || !ByteClass.isAlnum(bytes[i - 1]) }
    /// Whether `i` ends a word: the byte at it is not a letter or digit.
    func boundaryAt(_ i: Int) -> Bool { i >= count || !ByteClass.isAlnum(bytes[i]) }

    /// The end of the run of `cls` bytes starting at `i`, stopping at `limit` bytes.
    func run(from i: Int, _ cls: ByteClass, limit: Int = 4096) -> Int {
        var j = i
        let end = min(count, i + limit)
        while j < end, cls.contains(bytes[j]) { j += 1 }
        return j
    }

    /// Whether the bytes at `i` equal `literal` exactly (case-sensitive).
    func hasLiteral(_ literal: String, at i: Int) -> Bool {
        var j = i
        for b in literal.utf8 {
            guard j < count, bytes[j] == b else { return false }
            j += 1
        }
        return true
    }

    /// The first index at or after `from` (before `to`) where `literal` occurs, case-sensitive.
    func find(_ literal: String, from: Int, to: Int? = nil) -> Int? {
        let pattern = Array(literal.utf8)
        guard let first = pattern.first else { return nil }
        let end = min(to ?? count, count) - pattern.count
        var i = from
        while i <= end {
            if bytes[i] == first {
                var k = 1
                while k < pattern.count, bytes[i + k] == pattern[k] { k += 1 }
                if k == pattern.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Like `find`, ignoring ASCII case; `literal` is given in lower case.
    func findFolded(_ literal: String, from: Int, to: Int? = nil) -> Int? {
        let pattern = Array(literal.utf8)
        guard !pattern.isEmpty else { return nil }
        let end = min(to ?? count, count) - pattern.count
        var i = max(0, from)
        while i <= end {
            var k = 0
            while k < pattern.count, SecretScanner.fold(bytes[i + k]) == pattern[k] { k += 1 }
            if k == pattern.count { return i }
            i += 1
        }
        return nil
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Shannon entropy in bits per byte of `range`.
    func entropy(_ range: Range<Int>) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        for i in range { counts[Int(bytes[i])] += 1 }
        let n = Double(range.count)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return h
    }

    func hasDigitAndLetter(_ range: Range<Int>) -> Bool {
        var digit = false
        var letter = false
        for i in range {
            let b = bytes[i]
            if ByteClass.isDigit(b) { digit = true } else if ByteClass.isUpper(b) || ByteClass.isLower(b) { letter = true }
            if digit && letter { return true }
        }
        return false
    }
}
