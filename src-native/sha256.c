/*
 * SHA-256 for the image writer and reader, from the OpenSSL the process
 * already holds (node links it and exports its symbols to addons), so a
 * capture need not load node:crypto: 36 internal modules, compiled afresh
 * under the V8 flags a capture runs with (node's own code cache is refused
 * then), ~5 ms of every capture's start. Where the symbols are not there
 * (an Electron with BoringSSL kept private, say) sha256() answers null and
 * src-main/engine/sha256.ts uses node:crypto.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
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

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  ossl.ctx_free((EVP_MD_CTX *)data);
}

static EVP_MD_CTX *ctx_arg(napi_env env, napi_callback_info info, napi_value *argv, size_t want) {
  size_t argc = want;
  void *p = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want || !(p = handle_of(env, argv[0], &SHA_TAG))) {
    napi_throw_type_error(env, NULL, "sha256: expected a handle from sha256()");
    return NULL;
  }
  return (EVP_MD_CTX *)p;
}

/* sha256(): a new running hash, or null where OpenSSL's symbols are not in the process. */
napi_value js_sha256(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  pthread_once(&once, resolve);
  EVP_MD_CTX *c = ossl.ok ? ossl.ctx_new() : NULL;
  if (c && ossl.init(c, ossl.sha256(), NULL) != 1) {
    ossl.ctx_free(c);
    c = NULL;
  }
  if (!c) {
    napi_get_null(env, &v);
    return v;
  }
  v = make_handle(env, c, finalize, &SHA_TAG);
  if (!v) ossl.ctx_free(c);
  return v;
}

/* sha256Update(h, bytes): hashes a Uint8Array (any TypedArray's bytes). */
napi_value js_sha256_update(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  EVP_MD_CTX *c = ctx_arg(env, info, argv, 2);
  if (!c) return NULL;
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
  if (bytes && ossl.update(c, data, bytes) != 1) {
    napi_throw_error(env, NULL, "sha256Update: EVP_DigestUpdate failed");
    return NULL;
  }
  return NULL;
}

/* sha256Digest(h): the digest of what was hashed so far, as a Buffer; h goes on. */
napi_value js_sha256_digest(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  EVP_MD_CTX *c = ctx_arg(env, info, argv, 1);
  if (!c) return NULL;
  EVP_MD_CTX *t = ossl.ctx_new();
  unsigned char md[32];
  unsigned int n = 0;
  int ok = t && ossl.copy(t, c) == 1 && ossl.final(t, md, &n) == 1 && n == sizeof md;
  if (t) ossl.ctx_free(t);
  if (!ok) {
    napi_throw_error(env, NULL, "sha256Digest: EVP_DigestFinal_ex failed");
    return NULL;
  }
  void *p;
  if (napi_create_buffer_copy(env, sizeof md, md, &p, &out) != napi_ok) return NULL;
  return out;
}
