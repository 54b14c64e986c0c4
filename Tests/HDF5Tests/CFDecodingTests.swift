import Foundation
import HDF5
import TestSupport
import Testing

/// Packed and filled variables read as the numbers xarray decodes from them (references
/// from `xarray.open_dataset`, written by tools/make_bad_inputs.py), not as raw integers.
@Suite struct CFDecodingTests {
    static let variables = ["packed", "scaled_only", "missing", "filled_int", "float_fill", "plain_int", "unsigned", "two_missing"]

    @Test func wholeVariablesMatchXarray() throws {
        guard let inputs = try BadInputs.make(["packed"]) else { return }
        let file = try NetCDFFile.open(inputs.path("packed.nc"))
        for name in Self.variables {
            let expected = try inputs.expected("packed.nc", name)
            let doubles = try file.doubles(name)
            // xarray decodes small packed types in float32: agree to float32 precision.
            let tolerance = expected.dtype == "float32" ? 1e-5 : 1e-12
            #expect(maxAbsDifference(doubles, expected.values) <= tolerance, "\(name): \(doubles) vs xarray \(expected.values)")
            #expect(doubles.count == expected.values.count)
            let values = try file.values(name)
            if expected.dtype.hasPrefix("int") {
                #expect(values.integers?.map(Double.init) == expected.values, "\(name) stays integer")
            } else {
                #expect(values.elementType == .float64, "\(name) decodes to floats")
                #expect(maxAbsDifference(values.doubles ?? [], expected.values) <= tolerance, "\(name)")
            }
        }
    }

    @Test func decodingIsReadFromTheAttributes() throws {
        guard let inputs = try BadInputs.make(["packed"]) else { return }
        let file = try NetCDFFile.open(inputs.path("packed.nc"))
        #expect(try file.decoding("packed") == CFDecoding(scaleFactor: 0.01, addOffset: 10, missingValues: [-32767], reinterpretation: nil))
        #expect(try file.decoding("unsigned") == CFDecoding(scaleFactor: nil, addOffset: nil, missingValues: [255], reinterpretation: .signedAsUnsigned(bits: 8)))
        #expect(try file.decoding("two_missing").missingValues.sorted() == [-32767, -1])
        #expect(try file.decoding("plain_int").isIdentity)
    }

    @Test func malformedPackingIsAnError() throws {
        let text = HDF5Attribute(name: "scale_factor", elementType: .variableString, shape: [], values: .strings(["0.1"]))
        do {
            _ = try CFDecoding(attributes: [text], elementType: .int16, file: "f.nc", object: "data")
            Issue.record("a text scale_factor was accepted")
        } catch let error as HDF5Error {
            #expect(error.description == "cannot decode 'data' in 'f.nc': attribute scale_factor must be one number, found str []")
        }
        let hugeFill = HDF5Attribute(name: "_FillValue", elementType: .int64, shape: [1], values: .int64([-9_223_372_036_854_775_806]))
        #expect(throws: HDF5Error.self) { _ = try CFDecoding(attributes: [hugeFill], elementType: .int64, file: "f.nc", object: "n") }
        // Strings are never decoded, whatever their attributes say.
        #expect(try CFDecoding(attributes: [hugeFill], elementType: .variableString, file: "f.nc", object: "s").isIdentity)
    }
}
