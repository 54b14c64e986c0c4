// Shared between the .c files of this target; not part of its interface.
#ifndef BRAINALIGN_PROCESS_GUARD_INTERNAL_H
#define BRAINALIGN_PROCESS_GUARD_INTERNAL_H

/// Unlinks every registered temporary file. Async-signal-safe (reads the table, calls
/// unlink): the termination and crash handlers both call it.
void pg_remove_temporaries(void);

#endif
