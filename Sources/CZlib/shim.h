#include <zlib.h>

/* deflateInit2 is a macro, which Swift cannot call. */
static inline int kawaraban_deflate_init_gzip(z_streamp stream, int level) {
    /* 15 window bits + 16: write a gzip header and trailer rather than zlib's. */
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
