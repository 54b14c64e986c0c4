// mallopt and malloc_trim live in <malloc.h>, which Swift's Glibc module does not expose.
#include <malloc.h>
#include "process_guard.h"

int pg_set_malloc_thresholds(int mmap_bytes, int trim_bytes) {
    int ok = mallopt(M_MMAP_THRESHOLD, mmap_bytes) == 1 && mallopt(M_TRIM_THRESHOLD, trim_bytes) == 1;
    return ok ? 0 : -1;
}

void pg_release_free_memory(void) {
    malloc_trim(0);
}
