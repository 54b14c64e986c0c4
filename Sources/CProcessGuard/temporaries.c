// The table of live temporary files and the termination-signal handler that removes them.
#include "process_guard.h"
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

// Slot states: free, being written by a registering thread, live (the handler may read it).
enum { SLOT_FREE = 0, SLOT_CLAIMED = 1, SLOT_LIVE = 2 };

static char paths[PG_TEMPORARY_SLOTS][PG_PATH_CAPACITY];
static int states[PG_TEMPORARY_SLOTS];
// The process that registered each path: a child made by fork() inherits the table, and
// its handlers must not delete the files its parent is still writing.
static pid_t owners[PG_TEMPORARY_SLOTS];

static int deferring;         // nesting depth of pg_begin_deferring
static int pending_signal;    // a termination signal that arrived while deferring

int pg_register_temporary(const char *path) {
    size_t length = strlen(path);
    if (length + 1 > PG_PATH_CAPACITY) return -1;
    for (int slot = 0; slot < PG_TEMPORARY_SLOTS; slot++) {
        int expected = SLOT_FREE;
        if (__atomic_compare_exchange_n(&states[slot], &expected, SLOT_CLAIMED, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            memcpy(paths[slot], path, length + 1);
            owners[slot] = getpid();
            __atomic_store_n(&states[slot], SLOT_LIVE, __ATOMIC_RELEASE);
            return slot;
        }
    }
    return -1;
}

void pg_unregister_temporary(int slot) {
    if (slot >= 0 && slot < PG_TEMPORARY_SLOTS) __atomic_store_n(&states[slot], SLOT_FREE, __ATOMIC_RELEASE);
}

void pg_remove_temporaries(void) {
    pid_t self = getpid();
    for (int slot = 0; slot < PG_TEMPORARY_SLOTS; slot++) {
        if (__atomic_load_n(&states[slot], __ATOMIC_ACQUIRE) == SLOT_LIVE && owners[slot] == self) unlink(paths[slot]);
    }
}

static void on_termination(int signal) {
    if (__atomic_load_n(&deferring, __ATOMIC_ACQUIRE) > 0) {
        __atomic_store_n(&pending_signal, signal, __ATOMIC_RELEASE);
        return;
    }
    pg_remove_temporaries();
    _exit(128 + signal);
}

void pg_begin_deferring(void) { __atomic_add_fetch(&deferring, 1, __ATOMIC_ACQ_REL); }

void pg_end_deferring(void) {
    if (__atomic_sub_fetch(&deferring, 1, __ATOMIC_ACQ_REL) > 0) return;
    int signal = __atomic_exchange_n(&pending_signal, 0, __ATOMIC_ACQ_REL);
    if (signal != 0) {
        pg_remove_temporaries();
        _exit(128 + signal);
    }
}

int pg_install_termination_handlers(void) {
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_termination;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; i++) sigaddset(&action.sa_mask, signals[i]);  // one handler at a time
    action.sa_flags = SA_RESTART;
    for (int i = 0; i < 3; i++) {
        struct sigaction current;
        if (sigaction(signals[i], NULL, &current) != 0) return errno;
        if (current.sa_handler == SIG_IGN) continue;  // nohup / background job: keep ignoring
        if (current.sa_handler == on_termination) continue;  // already installed
        if (sigaction(signals[i], &action, NULL) != 0) return errno;
    }
    return 0;
}
