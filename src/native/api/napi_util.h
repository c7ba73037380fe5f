/* Small pieces every Node-API file of the addon needs, written once. */
#ifndef PC_NAPI_UTIL_H
#define PC_NAPI_UTIL_H
#include <node_api.h>

/* Throws an Error with `message`; returns NULL, for `return pc_napi_fail(...)`. */
napi_value pc_napi_fail(napi_env env, const char *message);
/* The first argument; throws a TypeError naming `call` and returns 0 when there is none. */
int pc_napi_first_arg(napi_env env, napi_callback_info info, const char *call, napi_value *out);
/*
 * The kinds of handle the addon hands to JavaScript. Each is an external tagged with its kind
 * (napi_type_tag_object): a handle of one kind passed where another is expected, or anything that
 * is not one of ours, is refused with a TypeError instead of being cast to the wrong struct.
 */
typedef enum { PC_HANDLE_LOOP = 0, PC_HANDLE_TARGET = 1, PC_HANDLE_NETNS = 2 } pc_handle_kind;
/*
 * A new handle for `data`, tagged as `kind`, in *out. Returns PC_HANDLE_MADE; PC_HANDLE_NOT_MADE
 * when no handle exists (the caller still owns `data`); PC_HANDLE_UNTAGGED when it exists but could
 * not be tagged (its finalizer owns `data` now and frees it when collected). Nothing is thrown.
 */
enum { PC_HANDLE_MADE = 0, PC_HANDLE_NOT_MADE = 1, PC_HANDLE_UNTAGGED = 2 };
int pc_napi_new_handle(napi_env env, void *data, napi_finalize finalize, pc_handle_kind kind, napi_value *out);
/* The data behind `value` when it is a handle of `kind`; throws a TypeError naming the kind and returns NULL otherwise. */
void *pc_napi_handle_of(napi_env env, napi_value value, pc_handle_kind kind);
/* The same for the first argument of the call. */
void *pc_napi_handle(napi_env env, napi_callback_info info, pc_handle_kind kind);

#endif
