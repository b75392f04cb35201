#ifndef MNEM_CURL_H
#define MNEM_CURL_H
#include <stddef.h>

/* One blocking HTTP POST through libcurl, loaded with dlopen on first use.
 *
 * Linking libcurl (or Foundation's URLSession, which links it) makes every mnem process map and
 * relocate some thirty shared libraries and run their constructors, about 6 ms, although only
 * the LLM compactor and the HTTP embedder ever send a request. Loaded on demand, that cost is
 * paid by those two alone. Both Debian builds are tried: libcurl.so.4 (OpenSSL) and
 * libcurl-gnutls.so.4 (which git itself depends on). */

typedef struct {
    long status;             /* the HTTP status; 0 when no response arrived */
    char *body;              /* malloc'd, body_length bytes; free with mnem_http_result_free */
    size_t body_length;
    char *headers;           /* malloc'd raw header lines of the last response, NUL-terminated */
    size_t headers_length;
    int timed_out;           /* 1 when the request hit its timeout */
    char error[320];         /* why there is no response, when mnem_http_post returned non-zero */
} mnem_http_result;

/* Sends `body` to `url` (http or https only, no redirects followed) with `header_count` header
 * lines ("Name: value"), waiting at most `timeout_ms`. Returns 0 when a response arrived (any
 * status), non-zero with `result->error` set otherwise. Safe to call from several threads. */
int mnem_http_post(const char *url, const char *const *headers, size_t header_count, const void *body, size_t body_length,
                   long timeout_ms, mnem_http_result *result);

void mnem_http_result_free(mnem_http_result *result);
#endif
