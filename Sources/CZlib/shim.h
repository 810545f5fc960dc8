#include <zlib.h>

// deflateInit2 is a macro (it passes the library version and the stream's size), which Swift
// cannot import.
static inline int conduit_deflate_init2(z_streamp stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
