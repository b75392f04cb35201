#ifndef MNEM_TLS_H
#define MNEM_TLS_H

/* Parses the CA certificates libgit2 asked for at initialization, if that was deferred.
   Call before any network operation; cheap and idempotent. Returns 0, or mbedtls' error. */
int mnem_tls_load_certificates(void);

/* 1 if libgit2's request to load CA certificates was deferred and not yet carried out. */
int mnem_tls_certificates_pending(void);
#endif
