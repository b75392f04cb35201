#include "mnem_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The few libcurl entry points and constants used, declared here so no header or link is needed.
 * The option numbers are libcurl's stable ABI (curl.h: CURLOPTTYPE_* base + number). */
typedef void CURL;
struct curl_slist;
typedef int CURLcode;
enum {
    OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_ERRORBUFFER = 10010, OPT_POSTFIELDS = 10015, OPT_HTTPHEADER = 10023,
    OPT_HEADERDATA = 10029, OPT_NOPROXY = 10177, OPT_WRITEFUNCTION = 20011, OPT_HEADERFUNCTION = 20079,
    OPT_POST = 47, OPT_NOSIGNAL = 99, OPT_TIMEOUT_MS = 155, OPT_CONNECTTIMEOUT_MS = 156, OPT_PROTOCOLS = 181,
    OPT_REDIR_PROTOCOLS = 182, OPT_POSTFIELDSIZE_LARGE = 30120,
    INFO_RESPONSE_CODE = 0x200002, GLOBAL_DEFAULT = 3, PROTO_HTTP_HTTPS = 3, E_OPERATION_TIMEDOUT = 28,
};

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, int, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    char problem[200];
    int ready;
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
    void *library = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(curl.problem, sizeof curl.problem, "libcurl is not installed (apt-get install libcurl4)");
        return;
    }
#define LOAD(field, symbol)                                                                                  \
    do {                                                                                                     \
        *(void **)(&curl.field) = dlsym(library, symbol);                                                    \
        if (!curl.field) {                                                                                   \
            snprintf(curl.problem, sizeof curl.problem, "the installed libcurl lacks %s", symbol);           \
            return;                                                                                          \
        }                                                                                                    \
    } while (0)
    LOAD(global_init, "curl_global_init");
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_getinfo, "curl_easy_getinfo");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(slist_append, "curl_slist_append");
    LOAD(slist_free_all, "curl_slist_free_all");
#undef LOAD
    if (curl.global_init(GLOBAL_DEFAULT) != 0) {
        snprintf(curl.problem, sizeof curl.problem, "libcurl failed to initialize");
        return;
    }
    curl.ready = 1;
}

typedef struct {
    char *data;
    size_t length;
    size_t capacity;
    int failed;
} buffer;

static size_t append(buffer *b, const char *data, size_t length) {
    if (b->failed) return 0;
    if (b->length + length + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        while (capacity < b->length + length + 1) {
            if (capacity > SIZE_MAX / 2) { b->failed = 1; return 0; }
            capacity *= 2;
        }
        char *grown = realloc(b->data, capacity);
        if (!grown) { b->failed = 1; return 0; }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, data, length);
    b->length += length;
    b->data[b->length] = 0;
    return length;
}

static size_t on_body(char *data, size_t size, size_t count, void *context) {
    return append(context, data, size * count);
}

static size_t on_header(char *data, size_t size, size_t count, void *context) {
    buffer *headers = context;
    /* A status line starts a new response (after a 100 Continue, say): keep only the last one's headers. */
    if (size * count >= 5 && memcmp(data, "HTTP/", 5) == 0) headers->length = 0;
    return append(headers, data, size * count);
}

int mnem_http_post(const char *url, const char *const *headers, size_t header_count, const void *body, size_t body_length,
                   long timeout_ms, mnem_http_result *result) {
    memset(result, 0, sizeof *result);
    pthread_once(&curl_once, load_curl);
    if (!curl.ready) {
        snprintf(result->error, sizeof result->error, "%s", curl.problem);
        return 1;
    }
    CURL *handle = curl.easy_init();
    if (!handle) {
        snprintf(result->error, sizeof result->error, "libcurl could not create a request");
        return 1;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *next = curl.slist_append(list, headers[i]);
        if (!next) {
            curl.slist_free_all(list);
            curl.easy_cleanup(handle);
            snprintf(result->error, sizeof result->error, "out of memory for the request headers");
            return 1;
        }
        list = next;
    }
    /* An empty Expect header stops libcurl's 100-continue round trip before large bodies. */
    struct curl_slist *with_expect = curl.slist_append(list, "Expect:");
    if (with_expect) list = with_expect;

    buffer response = {0}, response_headers = {0};
    char error[256] = {0};
    curl.easy_setopt(handle, OPT_URL, url);
    curl.easy_setopt(handle, OPT_PROTOCOLS, (long)PROTO_HTTP_HTTPS);
    curl.easy_setopt(handle, OPT_REDIR_PROTOCOLS, (long)PROTO_HTTP_HTTPS);
    curl.easy_setopt(handle, OPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, OPT_POST, 1L);
    curl.easy_setopt(handle, OPT_POSTFIELDS, body ? body : "");
    curl.easy_setopt(handle, OPT_POSTFIELDSIZE_LARGE, (int64_t)body_length);
    curl.easy_setopt(handle, OPT_HTTPHEADER, list);
    curl.easy_setopt(handle, OPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(handle, OPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl.easy_setopt(handle, OPT_ERRORBUFFER, error);
    curl.easy_setopt(handle, OPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(handle, OPT_WRITEDATA, &response);
    curl.easy_setopt(handle, OPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(handle, OPT_HEADERDATA, &response_headers);
    CURLcode code = curl.easy_perform(handle);
    long status = 0;
    curl.easy_getinfo(handle, INFO_RESPONSE_CODE, &status);
    curl.easy_cleanup(handle);
    curl.slist_free_all(list);

    if (code != 0 || response.failed || response_headers.failed) {
        if (response.failed || response_headers.failed) snprintf(result->error, sizeof result->error, "out of memory for the response");
        else snprintf(result->error, sizeof result->error, "%s", error[0] ? error : curl.easy_strerror(code));
        result->timed_out = code == E_OPERATION_TIMEDOUT;
        free(response.data);
        free(response_headers.data);
        return 1;
    }
    result->status = status;
    result->body = response.data;
    result->body_length = response.length;
    result->headers = response_headers.data;
    result->headers_length = response_headers.length;
    return 0;
}

void mnem_http_result_free(mnem_http_result *result) {
    free(result->body);
    free(result->headers);
    result->body = NULL;
    result->headers = NULL;
}
