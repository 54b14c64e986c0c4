import HDF5

/// Copies coordinates from a neural file into a result file.
public enum CoordinateCopy {
    /// Copies a 1-D coordinate (the selected entries) in slabs, so even millions of
    /// neuroids never sit in memory at once.
    public static func copy(_ coordinate: NetCDFVariable, from file: NetCDFFile, columns: [Int]?, into writer: NetCDFWriter, dimension: String) throws {
        let source = try file.dataset(coordinate.name)
        // A packed or filled coordinate is copied decoded (as xarray shows it), as float64.
        let decoding = coordinate.elementType.isString ? .identity : try CFDecoding(variable: coordinate, file: file.path)
        let elementType: HDF5ElementType = coordinate.elementType.isString ? .variableString : (decoding.isIdentity ? coordinate.elementType : .float64)
        let count = columns?.count ?? coordinate.shape[0], slab = 1 << 16
        let target = try writer.createVariable(coordinate.name, dimensions: [dimension], elementType: elementType, isCoordinate: true)
        for start in stride(from: 0, to: count, by: slab) {
            let width = min(slab, count - start)
            // The file positions of this slab's entries, read as one span and picked.
            let positions = columns.map { Array($0[start..<(start + width)]) } ?? Array(start..<(start + width))
            let first = positions[0], span = positions[width - 1] - first + 1
            func pick<T>(_ values: [T]) -> [T] { positions.map { values[$0 - first] } }
            switch elementType {
            case .variableString:
                try target.writeStrings(pick(try source.readStrings(start: [first], count: [span])), start: [start], count: [width])
            case .float32, .float64:
                let values: [Double] = try decoding.read(source, start: [first], count: [span])
                try target.write(pick(values), start: [start], count: [width])
            default:
                try target.write(pick(try source.read(Int64.self, start: [first], count: [span])), start: [start], count: [width])
            }
        }
    }

}
