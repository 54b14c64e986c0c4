// The C boundary to libhdf5 (+ the high-level dimension-scale API in hdf5_hl).
//
// Why this file exists: HDF5's type, property-list and file-access constants are C
// macros that expand to a library call plus a global (`(H5OPEN H5T_NATIVE_FLOAT_g)`),
// which Swift cannot import. Each one is re-exposed here as a static inline function.
// Nothing else belongs here: all logic lives in the Swift `HDF5` module.
//
// The versioned function names (H5Dopen2, H5Dcreate2, H5Aiterate2, H5Eset_auto2, ...)
// are called directly from Swift so that the API does not change under us when the
// library's default API-version mapping does.
#ifndef BRAINALIGN_CHDF5_SHIM_H
#define BRAINALIGN_CHDF5_SHIM_H

#include <hdf5.h>
#include <hdf5_hl.h>

#include "hdf5_macros.h"

#endif
