/* SHA-256 through the process's own OpenSSL: see sha256.c. */
#ifndef PROCFD_SHA256_H
#define PROCFD_SHA256_H
#include <node_api.h>

napi_value js_sha256(napi_env env, napi_callback_info info);
napi_value js_sha256_update(napi_env env, napi_callback_info info);
napi_value js_sha256_digest(napi_env env, napi_callback_info info);

#endif
