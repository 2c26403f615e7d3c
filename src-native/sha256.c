/*
 * SHA-256 for the image writer and reader, from the OpenSSL the process
 * already holds (node links it and exports its symbols to addons), so a
 * capture need not load node:crypto: 36 internal modules, compiled afresh
 * under the V8 flags a capture runs with (node's own code cache is refused
 * then), ~5 ms of every capture's start. Where the symbols are not there
 * (an Electron with BoringSSL kept private, say) sha256() answers null and
 * src-main/engine/sha256.ts uses node:crypto. It hashes on a thread of its
 * own (below).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "sha256.h"
#include "handle.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct evp_md_st EVP_MD;

static struct {
  EVP_MD_CTX *(*ctx_new)(void);
  void (*ctx_free)(EVP_MD_CTX *);
  const EVP_MD *(*sha256)(void);
  int (*init)(EVP_MD_CTX *, const EVP_MD *, void *);
  int (*update)(EVP_MD_CTX *, const void *, size_t);
  int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
  int (*copy)(EVP_MD_CTX *, const EVP_MD_CTX *);
  int ok;
} ossl;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void resolve(void) {
  ossl.ctx_new = (EVP_MD_CTX * (*)(void)) dlsym(RTLD_DEFAULT, "EVP_MD_CTX_new");
  ossl.ctx_free = (void (*)(EVP_MD_CTX *))dlsym(RTLD_DEFAULT, "EVP_MD_CTX_free");
  ossl.sha256 = (const EVP_MD *(*)(void))dlsym(RTLD_DEFAULT, "EVP_sha256");
  ossl.init = (int (*)(EVP_MD_CTX *, const EVP_MD *, void *))dlsym(RTLD_DEFAULT, "EVP_DigestInit_ex");
  ossl.update = (int (*)(EVP_MD_CTX *, const void *, size_t))dlsym(RTLD_DEFAULT, "EVP_DigestUpdate");
  ossl.final = (int (*)(EVP_MD_CTX *, unsigned char *, unsigned int *))dlsym(RTLD_DEFAULT, "EVP_DigestFinal_ex");
  ossl.copy = (int (*)(EVP_MD_CTX *, const EVP_MD_CTX *))dlsym(RTLD_DEFAULT, "EVP_MD_CTX_copy_ex");
  ossl.ok = ossl.ctx_new && ossl.ctx_free && ossl.sha256 && ossl.init && ossl.update && ossl.final && ossl.copy;
}

/*
 * A hash hashes on a thread of its own: sha256Update copies the bytes into
 * a queue and returns (a capture's image is 4 MB: ~2 ms of the main
 * thread's, which is what a capture waits for at its end); sha256Digest
 * waits for the queue to empty. The thread starts with the first update
 * and ends when the handle is collected.
 */
typedef struct chunk {
  struct chunk *next;
  size_t n;
  unsigned char bytes[];
} chunk_t;

typedef struct {
  EVP_MD_CTX *ctx;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  chunk_t *head, *tail;
  int busy;    /* the thread is hashing a chunk it took */
  int failed;  /* an update failed: every digest fails */
  int started, stop;
  pthread_t th;
} hash_t;

static void *hash_main(void *arg) {
  hash_t *h = arg;
  pthread_mutex_lock(&h->mu);
  for (;;) {
    while (!h->head && !h->stop) pthread_cond_wait(&h->cv, &h->mu);
    if (!h->head) break;
    chunk_t *c = h->head;
    h->head = c->next;
    if (!h->head) h->tail = NULL;
    h->busy = 1;
    pthread_mutex_unlock(&h->mu);
    int ok = ossl.update(h->ctx, c->bytes, c->n) == 1;
    free(c);
    pthread_mutex_lock(&h->mu);
    h->busy = 0;
    if (!ok) h->failed = 1;
    pthread_cond_broadcast(&h->cv);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

/* Waits until every queued chunk is hashed (h->mu held). */
static void drain(hash_t *h) {
  while (h->head || h->busy) pthread_cond_wait(&h->cv, &h->mu);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  hash_t *h = data;
  pthread_mutex_lock(&h->mu);
  h->stop = 1;
  pthread_cond_broadcast(&h->cv);
  int started = h->started;
  pthread_mutex_unlock(&h->mu);
  if (started) pthread_join(h->th, NULL);
  for (chunk_t *c = h->head; c;) {
    chunk_t *next = c->next;
    free(c);
    c = next;
  }
  ossl.ctx_free(h->ctx);
  pthread_mutex_destroy(&h->mu);
  pthread_cond_destroy(&h->cv);
  free(h);
}

static hash_t *hash_arg(napi_env env, napi_callback_info info, napi_value *argv, size_t want) {
  size_t argc = want;
  void *p = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want || !(p = handle_of(env, argv[0], &SHA_TAG))) {
    napi_throw_type_error(env, NULL, "sha256: expected a handle from sha256()");
    return NULL;
  }
  return (hash_t *)p;
}

/* sha256(): a new running hash, or null where OpenSSL's symbols are not in the process. */
napi_value js_sha256(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  pthread_once(&once, resolve);
  hash_t *h = ossl.ok ? calloc(1, sizeof *h) : NULL;
  if (h && !(h->ctx = ossl.ctx_new())) {
    free(h);
    h = NULL;
  }
  if (h && ossl.init(h->ctx, ossl.sha256(), NULL) != 1) {
    ossl.ctx_free(h->ctx);
    free(h);
    h = NULL;
  }
  if (!h) {
    napi_get_null(env, &v);
    return v;
  }
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  v = make_handle(env, h, finalize, &SHA_TAG);
  if (!v) {
    ossl.ctx_free(h->ctx);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
  }
  return v;
}

/* sha256Update(h, bytes): hashes a Uint8Array (any TypedArray's bytes), a
 * copy of them on the hash's thread; the caller may reuse its buffer at once. */
napi_value js_sha256_update(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  hash_t *h = hash_arg(env, info, argv, 2);
  if (!h) return NULL;
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, argv[1], &type, &len, &data, &ab, &off) != napi_ok) {
    napi_throw_type_error(env, NULL, "sha256Update: expected a Uint8Array");
    return NULL;
  }
  static const size_t width[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
  size_t bytes = len * ((size_t)type < sizeof width / sizeof width[0] ? width[type] : 1);
  if (!bytes) return NULL;
  chunk_t *c = malloc(sizeof *c + bytes);
  pthread_mutex_lock(&h->mu);
  if (!h->started && c) {
    if (pthread_create(&h->th, NULL, hash_main, h) == 0)
      h->started = 1;
  }
  if (!c || !h->started) {
    /* No memory or no thread: hash here, in order (after what is queued). */
    drain(h);
    int ok = ossl.update(h->ctx, data, bytes) == 1;
    if (!ok) h->failed = 1;
    pthread_mutex_unlock(&h->mu);
    free(c);
    return NULL;
  }
  memcpy(c->bytes, data, bytes);
  c->n = bytes;
  c->next = NULL;
  if (h->tail)
    h->tail->next = c;
  else
    h->head = c;
  h->tail = c;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

/* sha256Digest(h): the digest of what was hashed so far, as a Buffer; h goes on. */
napi_value js_sha256_digest(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  hash_t *h = hash_arg(env, info, argv, 1);
  if (!h) return NULL;
  unsigned char md[32];
  unsigned int n = 0;
  pthread_mutex_lock(&h->mu);
  drain(h);
  EVP_MD_CTX *t = h->failed ? NULL : ossl.ctx_new();
  int ok = t && ossl.copy(t, h->ctx) == 1 && ossl.final(t, md, &n) == 1 && n == sizeof md;
  pthread_mutex_unlock(&h->mu);
  if (t) ossl.ctx_free(t);
  if (!ok) {
    napi_throw_error(env, NULL, "sha256Digest: EVP_DigestUpdate or EVP_DigestFinal_ex failed");
    return NULL;
  }
  void *p;
  if (napi_create_buffer_copy(env, sizeof md, md, &p, &out) != napi_ok) return NULL;
  return out;
}
