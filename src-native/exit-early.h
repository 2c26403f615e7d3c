/* Ends a capture's process, its memory torn down by a child instead: see exit-early.c. */
#ifndef PROCFD_EXIT_EARLY_H
#define PROCFD_EXIT_EARLY_H
#include <node_api.h>

napi_value js_exit_early(napi_env env, napi_callback_info info);
/* Called when the addon is loaded: notes stdio's flags as they came. */
void exit_early_init(void);

#endif
