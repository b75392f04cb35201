import Foundation

/// BERT uncased tokenization, id for id what Hugging Face's `BertNormalizer` + `BertPreTokenizer`
/// + `WordPiece` produce for all-MiniLM-L6-v2 (without special tokens, and without recognizing
/// `[CLS]`-like special tokens inside the text, as model2vec's static tokenizer does).
///
/// The steps, in Hugging Face's order:
/// 1. Clean: drop U+0000, U+FFFD and every scalar of general category Cc, Cf, Co except tab,
///    CR, LF; White_Space scalars separate words.
/// 2. CJK ideographs become words of their own.
/// 3. NFD, then drop nonspacing marks (Mn): accents are stripped.
/// 4. Lowercase (full Unicode mapping).
/// 5. Punctuation (ASCII punctuation and general category P*) becomes words of its own.
/// 6. Each word: greedy longest-match-first WordPiece with `##` continuations; a word of more
///    than ``StaticModelFile/maxWordCharacters`` scalars, or one with a piece that matches
///    nothing, becomes a single `[UNK]`.
///
/// Text that is all ASCII is handled byte by byte without building any `Character`. Other text
/// goes scalar by scalar: ASCII scalars the same way, scalars below U+3000 through a table of
/// their normalized forms built on first use, the rest through Foundation's NFD one at a time.
/// Normalizing scalar by scalar equals Hugging Face's whole-text NFD except for the canonical
/// reordering of combining marks, which only matters for marks that are kept (not Mn) and have
/// a non-zero combining class — a handful of scalars in a few scripts.
public struct WordPieceTokenizer: Sendable {
    /// The model whose vocabulary the tokenizer uses.
    public let model: StaticModelFile

    public init(model: StaticModelFile) {
        self.model = model
    }

    /// The token ids of `text`, `[UNK]` included.
    ///
    /// - Complexity: O(n · w) for n bytes and words of at most w bytes.
    public func tokenIDs(_ text: String) -> [Int] {
        var ids: [UInt32] = []
        var scratch = Scratch()
        appendTokenIDs(of: text, to: &ids, scratch: &scratch)
        return ids.map { Int($0) }
    }

    /// Buffers reused from one text to the next so tokenizing does not allocate once warm.
    struct Scratch {
        var word: [UInt8] = []
        var hashes: [UInt32] = []
        init() {
            word.reserveCapacity(256)
            hashes.reserveCapacity(257)
        }
    }

    /// Appends the token ids of `text` to `ids`.
    func appendTokenIDs(of text: String, to ids: inout [UInt32], scratch: inout Scratch) {
        var text = text
        let handled: Bool = text.withUTF8 { bytes in
            for byte in bytes where byte >= 0x80 { return false }
            appendASCII(bytes, to: &ids, scratch: &scratch)
            return true
        }
        if !handled {
            appendUnicode(text, to: &ids, scratch: &scratch)
        }
    }

    private func appendASCII(_ bytes: UnsafeBufferPointer<UInt8>, to ids: inout [UInt32], scratch: inout Scratch) {
        let lowercase = model.lowercase
        for byte in bytes {
            appendASCIIByte(byte, lowercase: lowercase, scratch: &scratch, ids: &ids)
        }
        flush(&scratch, to: &ids)
    }

    private func appendUnicode(_ text: String, to ids: inout [UInt32], scratch: inout Scratch) {
        let lowercase = model.lowercase
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                appendASCIIByte(UInt8(value), lowercase: lowercase, scratch: &scratch, ids: &ids)
            } else if Self.isCJK(value) && !(0xF900...0xFAFF).contains(value) && !(0x2F800...0x2FA1F).contains(value) {
                flush(&scratch, to: &ids)
                append(scalar, to: &scratch.word)
                flush(&scratch, to: &ids)
            } else if lowercase, value < ScalarExpansion.tableEnd {
                for piece in ScalarExpansion.table[Int(value) - 0x80] {
                    appendExpanded(piece, scratch: &scratch, ids: &ids)
                }
            } else {
                for piece in ScalarExpansion.expand(scalar, lowercase: lowercase) {
                    appendExpanded(piece, scratch: &scratch, ids: &ids)
                }
            }
        }
        flush(&scratch, to: &ids)
    }

    @inline(__always)
    private func appendASCIIByte(_ byte: UInt8, lowercase: Bool, scratch: inout Scratch, ids: inout [UInt32]) {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D:
            flush(&scratch, to: &ids)
        case 0x00..<0x20, 0x7F:
            break  // Control characters are removed, joining their neighbours.
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
            flush(&scratch, to: &ids)
            scratch.word.append(byte)
            flush(&scratch, to: &ids)
        case 0x41...0x5A where lowercase:
            scratch.word.append(byte | 0x20)
        default:
            scratch.word.append(byte)
        }
    }

    /// Places one scalar of a normalized expansion: space separates, CJK and punctuation stand alone.
    @inline(__always)
    private func appendExpanded(_ scalar: Unicode.Scalar, scratch: inout Scratch, ids: inout [UInt32]) {
        if scalar.value < 0x80 {
            appendASCIIByte(UInt8(scalar.value), lowercase: false, scratch: &scratch, ids: &ids)
        } else if Self.isCJK(scalar.value) {
            flush(&scratch, to: &ids)
            append(scalar, to: &scratch.word)
            flush(&scratch, to: &ids)
        } else {
            appendWordScalar(scalar, scratch: &scratch, ids: &ids)
        }
    }

    @inline(__always)
    private func appendWordScalar(_ scalar: Unicode.Scalar, scratch: inout Scratch, ids: inout [UInt32]) {
        if Self.isPunctuation(scalar) {
            flush(&scratch, to: &ids)
            append(scalar, to: &scratch.word)
            flush(&scratch, to: &ids)
        } else {
            append(scalar, to: &scratch.word)
        }
    }

    @inline(__always)
    private func append(_ scalar: Unicode.Scalar, to word: inout [UInt8]) {
        UTF8.encode(scalar) { word.append($0) }
    }

    /// Runs WordPiece over the word collected in `scratch.word` and empties it.
    private func flush(_ scratch: inout Scratch, to ids: inout [UInt32]) {
        guard !scratch.word.isEmpty else { return }
        defer { scratch.word.removeAll(keepingCapacity: true) }
        let count = scratch.word.count
        if scratch.hashes.count < count + 1 {
            scratch.hashes = Array(repeating: 0, count: count + 1)
        }
        scratch.word.withUnsafeBufferPointer { word in
            scratch.hashes.withUnsafeMutableBufferPointer { hashes in
                wordPiece(word, hashes: hashes, to: &ids)
            }
        }
    }

    private func wordPiece(_ word: UnsafeBufferPointer<UInt8>, hashes: UnsafeMutableBufferPointer<UInt32>, to ids: inout [UInt32]) {
        let n = word.count
        var scalars = 0
        for byte in word where byte & 0xC0 != 0x80 { scalars += 1 }
        if scalars > model.maxWordCharacters {
            ids.append(model.unknownTokenID)
            return
        }
        let mark = ids.count
        var start = 0
        while start < n {
            // FNV-1a is computed left to right, so one pass gives the hash of every prefix.
            var hash = start > 0 ? FNV1a32.continuationBasis : FNV1a32.offsetBasis
            for i in start..<n {
                hash = FNV1a32.step(hash, word[i])
                hashes[i + 1] = hash
            }
            var end = n
            var found: UInt32?
            while end > start {
                if end == n || word[end] & 0xC0 != 0x80,
                   let id = model.lookup(hash: hashes[end], word: word, start: start, end: end, continuation: start > 0) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(mark...)
                ids.append(model.unknownTokenID)
                return
            }
            ids.append(id)
            start = end
        }
    }

    /// General category Cc, Cf, Cs or Co as of Unicode 8.0. Unassigned scalars (Cn) are kept, as
    /// Hugging Face's tokenizers keep them (checked: U+0378 becomes part of a word there).
    @inline(__always)
    static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        if isNewerThanUnicode8(scalar) { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse: return true
        default: return false
        }
    }

    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
                || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value)
        }
        if isNewerThanUnicode8(scalar) { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// Whether the scalar was assigned after Unicode 8.0 (or is unassigned).
    ///
    /// Hugging Face's tokenizers take general categories from tables of Unicode 8.0: there, later
    /// scalars are unassigned (Cn), so they are neither removed (Cf), stripped (Mn) nor split off
    /// (P*), but stay part of their word. Measured over every scalar of Unicode 14: punctuation up
    /// to 8.0 is split, from 9.0 on it is not; Cf and Mn from 9.0 on are kept.
    @inline(__always)
    static func isNewerThanUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return true }
        return age.major > 8 || (age.major == 8 && age.minor > 0)
    }

    /// The CJK ideograph blocks Hugging Face's `BertNormalizer` splits out.
    @inline(__always)
    static func isCJK(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B920...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}

/// The normalized form of one non-ASCII scalar: cleaned, NFD, nonspacing marks stripped,
/// lowercased. Removed scalars expand to nothing, White_Space to a single space.
enum ScalarExpansion {
    /// Scalars below this have a precomputed expansion in ``table``.
    static let tableEnd: UInt32 = 0x3000

    /// Expansions of U+0080 ..< ``tableEnd`` for lowercasing models, built once on first use.
    static let table: [[Unicode.Scalar]] = (UInt32(0x80)..<tableEnd).map { value in
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return expand(scalar, lowercase: true)
    }

    static func expand(_ scalar: Unicode.Scalar, lowercase: Bool) -> [Unicode.Scalar] {
        let value = scalar.value
        // Removal comes first: U+000B, U+000C and U+0085 are both controls and White_Space.
        if value == 0 || value == 0xFFFD || WordPieceTokenizer.isOther(scalar) { return [] }
        if scalar.properties.isWhitespace { return [" "] }
        guard lowercase else { return [scalar] }
        var out: [Unicode.Scalar] = []
        for decomposed in String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars {
            if decomposed.properties.generalCategory == .nonspacingMark && !WordPieceTokenizer.isNewerThanUnicode8(decomposed) { continue }
            if decomposed.properties.changesWhenLowercased {
                out.append(contentsOf: decomposed.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(decomposed)
            }
        }
        return out
    }
}
