/* Maps in the JavaScript heap's young generation on a thread of its own: see prefault.c. */
#ifndef PROCFD_PREFAULT_H
#define PROCFD_PREFAULT_H
#include <node_api.h>

napi_value js_prefault(napi_env env, napi_callback_info info);
/* The toucher's pid while it lives, else 0: no process to capture. */
napi_value js_prefault_pid(napi_env env, napi_callback_info info);

#endif
