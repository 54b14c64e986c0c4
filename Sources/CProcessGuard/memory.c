// mallopt lives in <malloc.h>, which Swift's Glibc module does not expose.
#include <malloc.h>
#include "process_guard.h"

int pg_fix_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes) == 1 ? 0 : -1;
}
