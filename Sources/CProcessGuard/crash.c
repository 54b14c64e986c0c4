// Reports a crash inside libhdf5 as one line instead of a backtrace.
//
// libhdf5 1.10 trusts lengths and addresses read from the file, so some damaged files make
// it read wild memory (or corrupt the heap until glibc aborts). Nothing can be recovered
// after that; what we can do is say which file did it, remove our half-written outputs and
// exit non-zero. A crash anywhere else is passed on untouched.
#define _GNU_SOURCE
#include "process_guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

enum { MAX_DEPTH = 16, ALTERNATE_STACK_BYTES = 64 * 1024, CRASH_EXIT_STATUS = 70 };

// Written only by the thread holding the HDF5 lock; read by the handler of that thread.
static const char *files[MAX_DEPTH];
static const char *objects[MAX_DEPTH];
static int depth;
static pid_t reading_thread;

// Not SIGILL/SIGTRAP: Swift traps (precondition failures) raise those, and they belong to
// Swift's own crash reporter even when they happen between two libhdf5 calls.
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE};
enum { CRASH_SIGNAL_COUNT = sizeof crash_signals / sizeof crash_signals[0] };
static struct sigaction previous[CRASH_SIGNAL_COUNT];
static int crash_installed;

static __thread int has_alternate_stack;
static pthread_key_t stack_key;
static pthread_once_t stack_key_once = PTHREAD_ONCE_INIT;

static pid_t current_thread(void) { return (pid_t)syscall(SYS_gettid); }

static void put(const char *text) {
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, text, length);
        if (written <= 0) return;
        text += written;
        length -= (size_t)written;
    }
}

static void on_crash(int signal, siginfo_t *info, void *context) {
    (void)context;
    int level = __atomic_load_n(&depth, __ATOMIC_ACQUIRE);
    if (level > MAX_DEPTH) level = MAX_DEPTH;
    if (level > 0 && __atomic_load_n(&reading_thread, __ATOMIC_ACQUIRE) == current_thread()) {
        pg_remove_temporaries();
        const char *file = files[level - 1], *object = objects[level - 1];
        put(program_invocation_short_name);
        put(": libhdf5 crashed while reading ");
        put(file ? file : "a file");
        if (object) { put(" ("); put(object); put(")"); }
        put(": the file is damaged or not a valid HDF5 file\n");
        _exit(CRASH_EXIT_STATUS);
    }
    // Not ours: restore whoever handled this signal before and let it happen again. A fault
    // repeats when the instruction re-runs; a signal sent with kill/raise is re-raised.
    for (int i = 0; i < CRASH_SIGNAL_COUNT; i++) {
        if (crash_signals[i] == signal) sigaction(signal, &previous[i], NULL);
    }
    if (info == NULL || info->si_code <= 0) raise(signal);
}

int pg_install_crash_handler(void) {
    if (__atomic_exchange_n(&crash_installed, 1, __ATOMIC_ACQ_REL)) return 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_crash;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    for (int i = 0; i < CRASH_SIGNAL_COUNT; i++) {
        if (sigaction(crash_signals[i], &action, &previous[i]) != 0) return errno;
    }
    return 0;
}

// Each thread's alternate stack is freed when the thread ends.
static void free_alternate_stack(void *memory) {
    stack_t disable;
    memset(&disable, 0, sizeof disable);
    disable.ss_flags = SS_DISABLE;
    sigaltstack(&disable, NULL);
    free(memory);
}

static void make_stack_key(void) { pthread_key_create(&stack_key, free_alternate_stack); }

static void ensure_alternate_stack(void) {
    if (has_alternate_stack) return;
    has_alternate_stack = 1;
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;  // someone set one
    void *memory = malloc(ALTERNATE_STACK_BYTES);
    if (memory == NULL) return;  // no alternate stack: ordinary crashes are still reported
    stack_t stack;
    memset(&stack, 0, sizeof stack);
    stack.ss_sp = memory;
    stack.ss_size = ALTERNATE_STACK_BYTES;
    if (sigaltstack(&stack, NULL) != 0) { free(memory); return; }
    pthread_once(&stack_key_once, make_stack_key);
    pthread_setspecific(stack_key, memory);
}

void pg_reading_begin(const char *file, const char *object) {
    ensure_alternate_stack();
    int level = depth;
    if (level < MAX_DEPTH) {  // deeper levels are counted but not recorded
        files[level] = file;
        objects[level] = object;
    }
    __atomic_store_n(&reading_thread, current_thread(), __ATOMIC_RELEASE);
    __atomic_store_n(&depth, level + 1, __ATOMIC_RELEASE);
}

void pg_reading_end(void) {
    if (depth > 0) __atomic_store_n(&depth, depth - 1, __ATOMIC_RELEASE);
}
