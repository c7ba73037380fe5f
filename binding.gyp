{
  "targets": [
    {
      "target_name": "portchurn_native",
      "sources": ["src/native/glue.c", "src/native/config.c", "src/native/abi.c", "src/native/loop.c", "src/native/conn.c", "src/native/framing.c", "src/native/sock_diag.c", "src/native/socket_count.c", "src/native/socket_dump.c", "src/native/diag_glue.c", "src/native/http_fields.c", "src/native/request.c", "src/native/target_config.c", "src/native/target_loop.c", "src/native/target_conn.c", "src/native/target_counts.c", "src/native/target_glue.c", "src/native/napi_util.c", "src/native/netns.c", "src/native/netns_glue.c"],
      "cflags_c": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"],
      "cflags!": ["-fno-exceptions"],
      "libraries": ["-lpthread", "-lm"]
    }
  ]
}
