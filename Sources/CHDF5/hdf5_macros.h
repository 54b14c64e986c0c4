// libhdf5's macros as static inline functions: the list shared by both builds (included
// by CHDF5/shim.h and CHDF5MPI/shim.h, after <hdf5.h>).
#ifndef BRAINALIGN_HDF5_MACROS_H
#define BRAINALIGN_HDF5_MACROS_H

// MARK: Native memory types
static inline hid_t shim_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t shim_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t shim_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t shim_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t shim_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t shim_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t shim_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t shim_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t shim_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t shim_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }

// MARK: Other predefined types
static inline hid_t shim_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t shim_H5T_STD_REF_OBJ(void) { return H5T_STD_REF_OBJ; }
static inline size_t shim_H5T_VARIABLE(void) { return H5T_VARIABLE; }

// MARK: Property-list classes and the default list
static inline hid_t shim_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t shim_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t shim_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t shim_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t shim_H5P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
static inline hid_t shim_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t shim_H5FD_SEC2(void) { return H5FD_SEC2; }

// MARK: File access flags
static inline unsigned shim_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned shim_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned shim_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned shim_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }

// MARK: Dataspaces and the error stack
static inline hid_t shim_H5S_ALL(void) { return H5S_ALL; }
static inline hsize_t shim_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline hid_t shim_H5E_DEFAULT(void) { return H5E_DEFAULT; }

#endif
