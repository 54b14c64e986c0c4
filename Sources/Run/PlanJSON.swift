import Foundation

/// A JSON value that remembers where it stood in the text, so every plan error can name
/// the line and column (Foundation's parser reports a character offset at best, and keeps
/// the last of two equal keys silently; this one refuses them).
public indirect enum PlanJSON: Sendable {
    case object([(key: String, value: PlanJSONNode)])
    case array([PlanJSONNode])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
}

/// A value and its position (1-based line and column of its first character).
public struct PlanJSONNode: Sendable {
    public var value: PlanJSON
    public var line: Int
    public var column: Int
    public var position: String { "line \(line), column \(column)" }
}

/// A syntax error: the position and what was expected.
public struct PlanJSONError: Error, CustomStringConvertible, Sendable {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 parser (no comments, no trailing commas, no duplicate keys).
struct PlanJSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    static func parse(_ text: String) throws -> PlanJSONNode {
        var parser = PlanJSONParser(text)
        parser.skipWhitespace()
        let node = try parser.value()
        parser.skipWhitespace()
        if parser.index < parser.bytes.count { throw parser.error("unexpected text after the JSON value") }
        return node
    }

    private var column: Int {
        // Columns count characters, not bytes (UTF-8 continuation bytes are skipped).
        bytes[lineStart..<min(index, bytes.count)].filter { $0 & 0xC0 != 0x80 }.count + 1
    }

    private func error(_ message: String) -> PlanJSONError { PlanJSONError(line: line, column: column, message: message) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A: index += 1; line += 1; lineStart = index
            default: return
            }
        }
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func value() throws -> PlanJSONNode {
        let (startLine, startColumn) = (line, column)
        func node(_ value: PlanJSON) -> PlanJSONNode { PlanJSONNode(value: value, line: startLine, column: startColumn) }
        guard let c = current else { throw error("unexpected end of the file (a value was expected)") }
        switch c {
        case UInt8(ascii: "{"): return node(try object())
        case UInt8(ascii: "["): return node(try array())
        case UInt8(ascii: "\""): return node(.string(try string()))
        case UInt8(ascii: "t"): try literal("true"); return node(.bool(true))
        case UInt8(ascii: "f"): try literal("false"); return node(.bool(false))
        case UInt8(ascii: "n"): try literal("null"); return node(.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return node(.number(try number()))
        default: throw error("unexpected character '\(Character(UnicodeScalar(c)))' (a value was expected)")
        }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw error("invalid literal (expected \(word))")
        }
        index += expected.count
    }

    private mutating func object() throws -> PlanJSON {
        index += 1
        var members: [(key: String, value: PlanJSONNode)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
            let (keyLine, keyColumn) = (line, column)
            let key = try string()
            if members.contains(where: { $0.key == key }) {
                throw PlanJSONError(line: keyLine, column: keyColumn, message: "key '\(key)' appears twice in this object")
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key '\(key)'") }
            index += 1
            skipWhitespace()
            members.append((key, try value()))
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            if current == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error(current == nil ? "unexpected end of the file (expected ',' or '}')" : "expected ',' or '}'")
        }
    }

    private mutating func array() throws -> PlanJSON {
        index += 1
        var items: [PlanJSONNode] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            if current == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error(current == nil ? "unexpected end of the file (expected ',' or ']')" : "expected ',' or ']'")
        }
    }

    private mutating func string() throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
        while let c = current {
            if c == UInt8(ascii: "\"") { index += 1; flush(); return String(scalars) }
            if c < 0x20 { throw error(c == 0x0A ? "unterminated string (a line break inside quotes)" : "control character inside a string") }
            if c == UInt8(ascii: "\\") {
                flush()
                index += 1
                guard let e = current else { break }
                index += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate in \\u escape") }
                        index += 1
                        guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = UnicodeScalar(code) else { throw error("invalid \\u escape") }
                    scalars.append(scalar)
                default: throw error("invalid escape '\\\(Character(UnicodeScalar(e)))'")
                }
                continue
            }
            raw.append(c)
            index += 1
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
            throw error("invalid \\u escape (four hex digits expected)")
        }
        index += 4
        return value
    }

    private mutating func number() throws -> Double {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let from = index
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { index += 1 }
            return index - from
        }
        let leadingZero = current == UInt8(ascii: "0")
        let integer = digits()
        guard integer > 0 else { throw error("invalid number") }
        if leadingZero && integer > 1 { throw error("invalid number (leading zero)") }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("invalid number (digits expected after '.')") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("invalid number (digits expected in the exponent)") }
        }
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)), value.isFinite else {
            throw error("number out of range")
        }
        return value
    }
}
