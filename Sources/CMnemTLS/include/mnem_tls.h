#ifndef MNEM_TLS_H
#define MNEM_TLS_H

/* Seeds libgit2's TLS random generator and parses the CA certificates it asked for at
   initialization, if those were deferred. Call before any network operation; cheap and
   idempotent. Returns 0, or mbedtls' error. */
int mnem_tls_load_certificates(void);

/* 1 if libgit2's seeding of its TLS random generator was deferred and not yet carried out. */
int mnem_tls_seed_pending(void);

/* 1 if libgit2's request to load CA certificates was deferred and not yet carried out. */
int mnem_tls_certificates_pending(void);
/* Carries out libgit2's deferred libssh2_init, if it was deferred. Call before any network
   operation; cheap and idempotent. Returns 0, or libssh2's error. */
int mnem_ssh_initialize(void);

/* 1 if libssh2_init was deferred and not yet carried out. */
int mnem_ssh_initialization_pending(void);
/* 1 if libgit2's calls to libssh2_init and mbedtls_x509_crt_parse_file bind to mnem's deferring
   definitions (the dynamic linker searches the executable first). */
int mnem_deferral_interposed(void);
#endif
