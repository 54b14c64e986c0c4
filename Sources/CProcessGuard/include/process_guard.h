// What must be C because it runs inside signal handlers, plus the calls Swift's Glibc
// module does not expose (renameat2, mallopt). Everything here is async-signal-safe where it has to be: fixed
// preallocated tables, no malloc, no locks, only write/unlink/_exit/sigaction in handlers.
// The policy (which files, which messages, when to install) lives in the Swift HDF5 module.
#ifndef BRAINALIGN_PROCESS_GUARD_H
#define BRAINALIGN_PROCESS_GUARD_H

// MARK: Temporary files removed on SIGINT, SIGTERM, SIGHUP (and on a reported crash)

/// Slots in the table of live temporary files, and the longest path (bytes, with the NUL).
enum { PG_TEMPORARY_SLOTS = 256, PG_PATH_CAPACITY = 4096 };

/// Records `path` (absolute, so a later chdir does not matter) as a live temporary file.
/// Returns the slot (>= 0), or -1 when the table is full or the path is too long.
int pg_register_temporary(const char *path);

/// Forgets a slot (the file was renamed into place or deleted by its owner).
void pg_unregister_temporary(int slot);

/// Installs the SIGINT/SIGTERM/SIGHUP handler: it unlinks every temporary file this
/// process registered (not those a parent registered before fork) and exits with 128 + the
/// signal (130, 143, 129). A signal ignored at the time of the call (nohup, background
/// jobs) stays ignored. Idempotent; returns 0 or errno.
int pg_install_termination_handlers(void);

/// While deferred (calls nest), a termination signal is remembered instead of acted on;
/// the last pg_end_deferring then cleans up and exits. Used around publishing several
/// files so an interrupt cannot leave only some of them in place.
void pg_begin_deferring(void);
void pg_end_deferring(void);

// MARK: Reporting a crash inside libhdf5

/// Installs handlers for SIGSEGV, SIGBUS, SIGABRT and SIGFPE. When the crashing
/// thread is inside a libhdf5 call announced with pg_reading_begin, the handler removes the
/// registered temporary files, prints one line naming the file and object, and exits with
/// status 70. Otherwise it hands the signal to the handler that was there before (Swift's
/// crash reporter or the default action). Idempotent; returns 0 or errno.
int pg_install_crash_handler(void);

/// Announces that the calling thread enters libhdf5 for `file` (and `object`, e.g.
/// "dataset /data"; may be NULL). The pointers are stored, not copied: they must stay
/// valid until the matching pg_reading_end. Calls nest (innermost is reported); callers
/// hold the HDF5 lock, so one thread at a time is inside. Also gives the thread an
/// alternate signal stack the first time, so a stack overflow can be reported too.
void pg_reading_begin(const char *file, const char *object);
void pg_reading_end(void);

// MARK: Publishing

/// rename(from, to) that fails with EEXIST instead of replacing an existing `to`
/// (renameat2 with RENAME_NOREPLACE). Returns 0 or errno (EINVAL or ENOSYS when the
/// file system or kernel cannot do it).
int pg_rename_noreplace(const char *from, const char *to);

// MARK: Memory

/// Fixes glibc malloc's mmap threshold at `bytes`: larger blocks get their own mappings,
/// returned to the system when freed (glibc otherwise raises the threshold as such blocks
/// are freed, and later large blocks stay resident in the heap after free). Returns 0, or
/// -1 if malloc refused.
int pg_fix_mmap_threshold(int bytes);

#endif
