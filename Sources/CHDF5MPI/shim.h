// The C boundary to the MPI build of libhdf5 (pkg-config hdf5-openmpi): the same macro
// shims as the serial CHDF5 (one list, included from there), plus the MPI-IO driver's.
// (shim.h of CHDF5 itself is not included: it belongs to that module.)
#ifndef BRAINALIGN_CHDF5MPI_SHIM_H
#define BRAINALIGN_CHDF5MPI_SHIM_H

#include <mpi.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "../CHDF5/hdf5_macros.h"

#ifndef H5_HAVE_PARALLEL
#error "CHDF5MPI needs the parallel libhdf5 (libhdf5-openmpi-dev)"
#endif

// MARK: MPI-IO file access and transfer
static inline hid_t shim_H5P_DATASET_XFER(void) { return H5P_DATASET_XFER; }
static inline H5FD_mpio_xfer_t shim_H5FD_MPIO_INDEPENDENT(void) { return H5FD_MPIO_INDEPENDENT; }
static inline H5FD_mpio_xfer_t shim_H5FD_MPIO_COLLECTIVE(void) { return H5FD_MPIO_COLLECTIVE; }
static inline MPI_Comm shim_H5_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Info shim_H5_INFO_NULL(void) { return MPI_INFO_NULL; }

#endif
