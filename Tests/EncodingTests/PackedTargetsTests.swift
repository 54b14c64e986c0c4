import Encoding
import Foundation
import HDF5
import TestSupport
import Testing

/// The streaming reader decodes packed neural data as xarray does (int16 with
/// scale_factor, add_offset and _FillValue, chunked in column slabs).
@Suite struct PackedTargetsTests {
    @Test func slabsMatchXarray() throws {
        guard let inputs = try BadInputs.make(["packed_neural"]) else { return }
        let path = inputs.path("packed_neural.nc")
        let expected = try inputs.expected("packed_neural.nc", "data")  // (12, 10) row-major
        let dataset = try NetCDFFile.open(path).dataset("data", chunkCache: .disabled)
        let rows = [11, 0, 3, 8, 5]  // selected and reordered, as stimulus alignment does
        let source = try HDF5Targets(dataset: dataset, rows: rows)
        #expect(source.columnAlignment == 4)
        for slab in [0..<4, 4..<8, 8..<10] {
            let wide = try source.read(columns: slab, as: Double.self)
            let narrow = try source.read(columns: slab, as: Float.self)
            for (j, column) in slab.enumerated() {
                for (i, row) in rows.enumerated() {
                    let reference = expected.values[row * 10 + column]
                    let got = wide.elements[j * rows.count + i], gotFloat = Double(narrow.elements[j * rows.count + i])
                    if reference.isNaN {
                        #expect(got.isNaN && gotFloat.isNaN, "row \(row) column \(column)")
                    } else {
                        #expect(abs(got - reference) <= 1e-12, "row \(row) column \(column): \(got) vs xarray \(reference)")
                        #expect(abs(gotFloat - reference) <= 1e-6 * max(1, abs(reference)), "row \(row) column \(column)")
                    }
                }
            }
        }
    }
}
