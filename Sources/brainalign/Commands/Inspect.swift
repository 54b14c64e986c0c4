import ArgumentParser
import Encoding
import Foundation
import HDF5

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what an HDF5 or netCDF4 file holds.",
        discussion: """
            Prints the dimensions, variables (element type, shape, chunking, compression), \
            coordinates (with their first values) and attributes of every group, the way \
            xarray would see them. Works on Brain-Score (BrainIO) assemblies, activation \
            files, BrainAlign results and plain HDF5 files alike.

            Examples:
              brainalign inspect datasets/sample.nc
              brainalign inspect results.nc --json | python3 -m json.tool
            """
    )

    @Argument(help: "The HDF5 or netCDF4 file to describe.")
    var file: String

    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false

    @Option(help: "How many leading values of each coordinate to show (0 for none).")
    var values = 3

    func validate() throws {
        if values < 0 { throw ValidationError("--values must be 0 or more, got \(values)") }
    }

    func run() throws {
        let report = try FileReport(path: file, previewCount: values)
        print(json ? report.json.rendered() : report.text)
    }
}

/// Everything `inspect` shows, read once, rendered as text or JSON.
struct FileReport {
    struct Group {
        var description: NetCDFFile.GroupDescription
        /// First values of each 1-D coordinate, already formatted.
        var previews: [String: [String]]
    }

    let path: String
    let sizeBytes: Int
    let groups: [Group]

    init(path: String, previewCount: Int) throws {
        let file = try HDF5File.open(path)
        self.path = path
        sizeBytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
        var groups: [Group] = []
        func visit(_ group: HDF5Group) throws {
            let description = try NetCDFFile.describe(group: group)
            var previews: [String: [String]] = [:]
            for variable in description.variables where variable.isCoordinate && variable.shape.count == 1 && previewCount > 0 {
                let count = min(previewCount, variable.shape[0])
                let dataset = try group.openDataset(variable.name)
                if variable.elementType.isString {
                    previews[variable.name] = try dataset.readStrings(start: [0], count: [count]).map { JSONValue.quote($0) }
                } else if variable.elementType.isNumeric {
                    previews[variable.name] = try dataset.read(Double.self, start: [0], count: [count]).map(Self.format)
                }
            }
            groups.append(Group(description: description, previews: previews))
            for name in description.groupNames { try visit(try group.openGroup(name)) }
        }
        try visit(file.root)
        self.groups = groups
    }

    /// "netCDF4" when the file uses netCDF's conventions (dimension scales), else "HDF5".
    var format: String {
        groups.contains { !$0.description.dimensions.filter { !$0.name.hasPrefix("phony_dim_") }.isEmpty } ? "netCDF4 (HDF5)" : "HDF5"
    }

    // MARK: Text

    var text: String {
        var lines = ["file: \(path)", "format: \(format), \(formatBytes(sizeBytes))"]
        for group in groups {
            let d = group.description
            let prefix = d.path == "/" ? "" : "  "
            if d.path != "/" { lines.append(""); lines.append("group \(d.path):") }
            if !d.dimensions.isEmpty {
                lines.append(prefix + "dimensions:")
                for dimension in d.dimensions {
                    lines.append(prefix + "  \(dimension.name) = \(dimension.length)" + (dimension.hasCoordinateVariable ? "" : "  (no coordinate variable)"))
                }
            }
            let data = d.variables.filter { !$0.isCoordinate }
            let coordinates = d.variables.filter(\.isCoordinate)
            if !data.isEmpty {
                lines.append(prefix + "data variables:")
                for variable in data { lines += Self.describe(variable, preview: nil, indent: prefix + "  ") }
            }
            if !coordinates.isEmpty {
                lines.append(prefix + "coordinates:")
                for variable in coordinates { lines += Self.describe(variable, preview: group.previews[variable.name], indent: prefix + "  ") }
            }
            if !d.attributes.isEmpty {
                lines.append(prefix + "attributes:")
                for attribute in d.attributes { lines.append(prefix + "  \(attribute.name) = \(Self.format(attribute))") }
            }
            if d.dimensions.isEmpty && d.variables.isEmpty && d.attributes.isEmpty && d.groupNames.isEmpty {
                lines.append(prefix + "(empty)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ variable: NetCDFVariable, preview: [String]?, indent: String) -> [String] {
        var line = "\(indent)\(variable.name)  (\(variable.dimensions.joined(separator: ", ")))  \(variable.elementType)"
        line += "  shape " + (variable.shape.isEmpty ? "scalar" : variable.shape.map(String.init).joined(separator: " x "))
        if let chunks = variable.chunkShape { line += "  chunks " + chunks.map(String.init).joined(separator: " x ") }
        if !variable.filters.isEmpty { line += "  " + variable.filters.map(\.description).joined(separator: " ") }
        var lines = [line]
        if let preview, !preview.isEmpty {
            let more = (variable.shape.first ?? 0) > preview.count ? ", ..." : ""
            lines.append(indent + "    values: " + preview.joined(separator: ", ") + more)
        }
        for attribute in variable.attributes {
            lines.append(indent + "    \(attribute.name) = \(format(attribute))")
        }
        return lines
    }

    private static func format(_ attribute: HDF5Attribute) -> String {
        guard let values = attribute.values else { return "<\(attribute.elementType)>" }
        let items: [String]
        if let strings = values.strings { items = strings.map { JSONValue.quote($0) } }
        else if let integers = values.integers { items = integers.map(String.init) }
        else { items = (values.doubles ?? []).map(format) }
        let shown = items.prefix(8).joined(separator: ", ") + (items.count > 8 ? ", ... (\(items.count) values)" : "")
        return attribute.shape.isEmpty ? shown : "[\(shown)]"
    }

    private static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    // MARK: JSON

    var json: JSONValue {
        .object([
            ("path", .string(path)),
            ("format", .string(format)),
            ("size_bytes", .integer(Int64(sizeBytes))),
            ("groups", .array(groups.map { group in
                let d = group.description
                return .object([
                    ("path", .string(d.path)),
                    ("dimensions", .object(d.dimensions.map { ($0.name, .integer(Int64($0.length))) })),
                    ("coordinates", .array(d.variables.filter(\.isCoordinate).map { .string($0.name) })),
                    ("data_variables", .array(d.variables.filter { !$0.isCoordinate }.map { .string($0.name) })),
                    ("variables", .object(d.variables.map { variable in
                        (variable.name, .object([
                            ("dimensions", .array(variable.dimensions.map(JSONValue.string))),
                            ("shape", .array(variable.shape.map { .integer(Int64($0)) })),
                            ("dtype", .string(variable.elementType.description)),
                            ("chunks", variable.chunkShape.map { .array($0.map { .integer(Int64($0)) }) } ?? .null),
                            ("filters", .array(variable.filters.map { .string($0.description) })),
                            ("is_coordinate", .bool(variable.isCoordinate)),
                            ("attributes", Self.json(variable.attributes)),
                        ]))
                    })),
                    ("attributes", Self.json(d.attributes)),
                    ("groups", .array(d.groupNames.map(JSONValue.string))),
                ])
            })),
        ])
    }

    private static func json(_ attributes: [HDF5Attribute]) -> JSONValue {
        .object(attributes.map { attribute in
            (attribute.name, attribute.values.map { JSONValue($0, unwrapSingle: attribute.shape.isEmpty) } ?? .string("<\(attribute.elementType)>"))
        })
    }
}
