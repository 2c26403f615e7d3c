/*
 * Handles the addon gives JavaScript (a reader job, a socket dump, a hash):
 * externals marked with their kind's type tag, so one passed where another
 * kind is expected is refused instead of read as the wrong struct.
 */
#ifndef PROCFD_HANDLE_H
#define PROCFD_HANDLE_H
#include <node_api.h>
#include <stdbool.h>

static const napi_type_tag JOB_TAG = {0x636b70746a6f6201ull, 0x70726f6366640001ull};
static const napi_type_tag DIAG_TAG = {0x636b707464696101ull, 0x70726f6366640002ull};
static const napi_type_tag SHA_TAG = {0x636b707473686101ull, 0x70726f6366640003ull};

/* An external of `tag`'s kind around p; NULL when none was made (p is the
 * caller's to free then; once made, fin frees it). Should the tag not take,
 * the handle is refused where it is used: never read as another kind. */
static inline napi_value make_handle(napi_env env, void *p, napi_finalize fin, const napi_type_tag *tag) {
  napi_value v;
  if (napi_create_external(env, p, fin, NULL, &v) != napi_ok) return NULL;
  napi_type_tag_object(env, v, tag);
  return v;
}

/* What a handle of `tag`'s kind holds, or NULL when v is no such handle. */
static inline void *handle_of(napi_env env, napi_value v, const napi_type_tag *tag) {
  bool ok = false;
  void *p = NULL;
  if (napi_check_object_type_tag(env, v, tag, &ok) != napi_ok || !ok || napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}
#endif
