#ifndef MNEM_CGIT2_SHIM_H
#define MNEM_CGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/mempack.h>
#include <git2/sys/repository.h>
#include <zlib.h>

/* git_libgit2_opts is variadic and so cannot be called from Swift; these wrap the calls mnem makes. */
static inline int mnem_git_set_strict_object_creation(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, enabled);
}
static inline int mnem_git_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
static inline int mnem_git_set_search_path(int level, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, path);
}
/* deflateInit is a macro, which Swift cannot call. */
static inline int mnem_deflate_init(z_stream *stream, int level) {
    return deflateInit(stream, level);
}
/* inflateInit is a macro too. */
static inline int mnem_inflate_init(z_stream *stream) {
    return inflateInit(stream);
}

/* An object database backend and a pack writer that carry a pointer for Swift: libgit2 hands
 * back the struct it was given, so the Swift state is found from `payload` (the C idiom of a
 * larger struct whose first member is the libgit2 one). */
typedef struct mnem_odb_backend {
    git_odb_backend parent;
    void *payload;
} mnem_odb_backend;

typedef struct mnem_odb_writepack {
    git_odb_writepack parent;
    void *payload;
} mnem_odb_writepack;
#endif
