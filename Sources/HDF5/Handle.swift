#if MPI
import CHDF5MPI
#else
import CHDF5
#endif

/// Owns one HDF5 identifier and closes it exactly once, when the last Swift reference
/// goes away. Every file, group, dataset, dataspace, datatype, attribute and property
/// list identifier we open is wrapped in one of these, so no code path leaks an id.
final class Handle: @unchecked Sendable {
    enum Kind: Sendable {
        case file, group, dataset, dataspace, datatype, attribute, propertyList, object
    }

    let id: hid_t
    let kind: Kind

    init(_ id: hid_t, _ kind: Kind) {
        self.id = id
        self.kind = kind
    }

    deinit {
        let id = id, kind = kind
        HDF5Library.locked {
            switch kind {
            case .file: _ = H5Fclose(id)
            case .group: _ = H5Gclose(id)
            case .dataset: _ = H5Dclose(id)
            case .dataspace: _ = H5Sclose(id)
            case .datatype: _ = H5Tclose(id)
            case .attribute: _ = H5Aclose(id)
            case .propertyList: _ = H5Pclose(id)
            case .object: _ = H5Oclose(id)
            }
            // A close can only fail on an already-invalid id (e.g. after a strong file
            // close); there is nobody to report it to from deinit, so drop the stack.
            H5Eclear2(shim_H5E_DEFAULT())
        }
    }
}
