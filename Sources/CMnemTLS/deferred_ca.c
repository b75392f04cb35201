/* Deferred loading of the CA certificates libgit2 reads at initialization (and, below, of
 * libssh2's initialization and of the TLS random generator's seeding).
 *
 * Debian's libgit2 is built with mbedtls, and git_libgit2_init() parses the whole system CA
 * bundle (/etc/ssl/certs/ca-certificates.crt) with mbedtls_x509_crt_parse_file. That costs about
 * 50 million instructions (~10 ms) in every mnem process, hooks included, although only https
 * remotes ever use it. These two definitions interpose on mbedtls' functions (the executable's
 * symbols come first in the dynamic linker's search order): they remember the request and return
 * success, and mnem_tls_load_certificates() performs the real parse, found with
 * dlsym(RTLD_NEXT), into the same certificate chain libgit2 configured, before any network
 * operation. If the interposition does not take effect, libgit2 simply loads them as before.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "mnem_tls.h"

typedef int (*parse_fn)(void *chain, const char *path);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *pending_chain;
static char pending_path[4096];
static int pending_is_directory;
static int pending;

static int defer(void *chain, const char *path, int is_directory) {
    if (path == NULL || strlen(path) >= sizeof(pending_path)) {
        parse_fn real = (parse_fn)dlsym(RTLD_NEXT, is_directory ? "mbedtls_x509_crt_parse_path" : "mbedtls_x509_crt_parse_file");
        return real ? real(chain, path) : -1;
    }
    pthread_mutex_lock(&lock);
    pending_chain = chain;
    strcpy(pending_path, path);
    pending_is_directory = is_directory;
    pending = 1;
    pthread_mutex_unlock(&lock);
    return 0;
}

int mbedtls_x509_crt_parse_file(void *chain, const char *path) { return defer(chain, path, 0); }
int mbedtls_x509_crt_parse_path(void *chain, const char *path) { return defer(chain, path, 1); }

static int seed_now_locked(void);

int mnem_tls_load_certificates(void) {
    int result = 0;
    pthread_mutex_lock(&lock);
    int seeded = seed_now_locked();
    if (pending) {
        parse_fn real = (parse_fn)dlsym(RTLD_NEXT, pending_is_directory ? "mbedtls_x509_crt_parse_path" : "mbedtls_x509_crt_parse_file");
        result = real ? real(pending_chain, pending_path) : -1;
        /* mbedtls returns the number of certificates it could not parse as a positive value;
           libgit2 accepted that, and so does this. */
        if (result > 0) result = 0;
        pending = 0;
    }
    pthread_mutex_unlock(&lock);
    return seeded != 0 ? seeded : result;
}

int mnem_tls_certificates_pending(void) {
    pthread_mutex_lock(&lock);
    int value = pending;
    pthread_mutex_unlock(&lock);
    return value;
}

/* libssh2_init, deferred the same way.
 *
 * git_libgit2_init() also calls libssh2_init(0), which initializes OpenSSL's libcrypto for
 * libssh2: about 0.4 ms in every process, for ssh remotes only. The call is remembered here and
 * carried out by mnem_ssh_initialize() before any transfer; once done, calls go straight through. */
typedef int (*ssh_init_fn)(int flags);

static int ssh_pending;
static int ssh_done;
static int ssh_flags;

int libssh2_init(int flags) {
    pthread_mutex_lock(&lock);
    if (ssh_done) {
        pthread_mutex_unlock(&lock);
        ssh_init_fn real = (ssh_init_fn)dlsym(RTLD_NEXT, "libssh2_init");
        return real ? real(flags) : -1;
    }
    ssh_pending = 1;
    ssh_flags = flags;
    pthread_mutex_unlock(&lock);
    return 0;
}

int mnem_ssh_initialize(void) {
    int result = 0;
    pthread_mutex_lock(&lock);
    if (ssh_pending && !ssh_done) {
        ssh_init_fn real = (ssh_init_fn)dlsym(RTLD_NEXT, "libssh2_init");
        result = real ? real(ssh_flags) : -1;
        if (result == 0) {
            ssh_done = 1;
            ssh_pending = 0;
        }
    }
    pthread_mutex_unlock(&lock);
    return result;
}

int mnem_ssh_initialization_pending(void) {
    pthread_mutex_lock(&lock);
    int value = ssh_pending;
    pthread_mutex_unlock(&lock);
    return value;
}

/* mbedtls_ctr_drbg_seed, deferred the same way.
 *
 * git_libgit2_init() seeds the random generator its TLS streams use, gathering entropy with
 * mbedtls' timing source (rdtsc in a loop, slow under virtualization) and SHA-512: about 0.5 ms
 * of every process, for https remotes only. The generator is used by TLS alone, so the seeding
 * is carried out with the CA parse, by mnem_tls_load_certificates, before any transfer. A call
 * with personalization bytes (libgit2 passes none) is not deferred, since the bytes may not
 * outlive the call. */
typedef int (*seed_fn)(void *context, int (*entropy)(void *, unsigned char *, size_t), void *source, const unsigned char *custom, size_t length);

static int seed_pending;
static int seed_done;
static void *seed_context;
static int (*seed_entropy)(void *, unsigned char *, size_t);
static void *seed_source;

int mbedtls_ctr_drbg_seed(void *context, int (*entropy)(void *, unsigned char *, size_t), void *source, const unsigned char *custom,
                          size_t length) {
    pthread_mutex_lock(&lock);
    int immediate = seed_done || custom != NULL || length != 0 || seed_pending;
    if (!immediate) {
        seed_pending = 1;
        seed_context = context;
        seed_entropy = entropy;
        seed_source = source;
    }
    pthread_mutex_unlock(&lock);
    if (!immediate) return 0;
    seed_fn real = (seed_fn)dlsym(RTLD_NEXT, "mbedtls_ctr_drbg_seed");
    return real ? real(context, entropy, source, custom, length) : -1;
}

static int seed_now_locked(void) {
    if (!seed_pending || seed_done) return 0;
    seed_fn real = (seed_fn)dlsym(RTLD_NEXT, "mbedtls_ctr_drbg_seed");
    int result = real ? real(seed_context, seed_entropy, seed_source, NULL, 0) : -1;
    if (result == 0) {
        seed_done = 1;
        seed_pending = 0;
    }
    return result;
}

int mnem_tls_seed_pending(void) {
    pthread_mutex_lock(&lock);
    int value = seed_pending;
    pthread_mutex_unlock(&lock);
    return value;
}

int mnem_deferral_interposed(void) {
    /* The definitions libgit2's calls bind to: ours, if the executable's symbols come first. */
    return dlsym(RTLD_DEFAULT, "libssh2_init") == (void *)libssh2_init
        && dlsym(RTLD_DEFAULT, "mbedtls_x509_crt_parse_file") == (void *)mbedtls_x509_crt_parse_file
        && dlsym(RTLD_DEFAULT, "mbedtls_ctr_drbg_seed") == (void *)mbedtls_ctr_drbg_seed;
}
