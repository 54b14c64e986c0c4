// The C boundary to MPI (Open MPI, pkg-config ompi-c). MPI's handles and constants
// (MPI_COMM_WORLD, MPI_INT, MPI_MAX, ...) are macros over library globals that Swift
// cannot import: each one used is re-exposed as a static inline function. No logic here.
#ifndef BRAINALIGN_CMPI_SHIM_H
#define BRAINALIGN_CMPI_SHIM_H

#include <mpi.h>

static inline MPI_Comm shim_MPI_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype shim_MPI_INT(void) { return MPI_INT; }
static inline MPI_Datatype shim_MPI_CHAR(void) { return MPI_CHAR; }
static inline MPI_Datatype shim_MPI_DOUBLE(void) { return MPI_DOUBLE; }
static inline MPI_Op shim_MPI_MIN(void) { return MPI_MIN; }
static inline MPI_Op shim_MPI_MAX(void) { return MPI_MAX; }
static inline MPI_Op shim_MPI_SUM(void) { return MPI_SUM; }
static inline int shim_MPI_THREAD_SERIALIZED(void) { return MPI_THREAD_SERIALIZED; }
static inline int shim_MPI_SUCCESS(void) { return MPI_SUCCESS; }

#endif
