import Foundation
import HDF5

/// A JSON value for `--json` output, rendered by hand so object keys keep the order we
/// give them. NaN and infinities, which JSON cannot hold, become the strings "NaN",
/// "Infinity" and "-Infinity" (what pandas and xarray accept).
enum JSONValue {
    case string(String)
    case number(Double)
    case integer(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// An attribute or value list: a single value unwrapped, several as an array.
    init(_ values: HDF5Values, unwrapSingle: Bool) {
        let items: [JSONValue]
        switch values {
        case .strings(let v): items = v.map(JSONValue.string)
        case .float32(let v): items = v.map { .number(Double($0)) }
        case .float64(let v): items = v.map(JSONValue.number)
        default: items = (values.integers ?? []).map(JSONValue.integer)
        }
        self = unwrapSingle && items.count == 1 ? items[0] : .array(items)
    }

    func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .string(let value): return Self.quote(value)
        case .number(let value):
            if value.isNaN { return "\"NaN\"" }
            if value.isInfinite { return value > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) + ".0" }
            return "\(value)"
        case .integer(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let values):
            if values.isEmpty { return "[]" }
            if values.allSatisfy({ $0.isScalar }) {
                return "[" + values.map { $0.rendered() }.joined(separator: ", ") + "]"
            }
            return "[\n" + values.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { inner + Self.quote($0.0) + ": " + $0.1.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "}"
        }
    }

    /// On one line (JSON lines output).
    func compact() -> String {
        switch self {
        case .array(let values): return "[" + values.map { $0.compact() }.joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { Self.quote($0.0) + ":" + $0.1.compact() }.joined(separator: ",") + "}"
        default: return rendered()
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
