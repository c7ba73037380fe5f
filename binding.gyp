{
  "targets": [
    {
      "target_name": "portchurn_native",
      # By folder, as src/native is laid out: each subsystem its own, calls flowing one way.
      "sources": [
        # above every subsystem: the module's one entry (every call JavaScript sees) and abi.json's layout asserted at compile time and exported
        "src/native/addon.c",
        "src/native/abi.c",
        # api/: the interface every subsystem uses: abi.json (its generated gen/abi.h), a configuration read field by field by its spec, tagged handles
        "src/native/api/fields.c",
        "src/native/api/napi_util.c",
        # common/: what the engine and the target share
        "src/native/common/http_fields.c",
        # engine/: the load generator: an epoll loop per thread, one connection's states, response framing
        "src/native/engine/glue.c",
        "src/native/engine/config.c",
        "src/native/engine/loop.c",
        "src/native/engine/conn.c",
        "src/native/engine/framing.c",
        # builtin-target/: the built-in target: threads -> connections -> timers and counts
        "src/native/builtin-target/glue.c",
        "src/native/builtin-target/config.c",
        "src/native/builtin-target/loop.c",
        "src/native/builtin-target/conn.c",
        "src/native/builtin-target/timers.c",
        "src/native/builtin-target/counts.c",
        "src/native/builtin-target/request.c",
        # kernel/: the kernel's readers and probes: sock_diag, network namespaces, the port-search probe
        "src/native/kernel/nl_dump.c",
        "src/native/kernel/sock_diag.c",
        "src/native/kernel/socket_count.c",
        "src/native/kernel/socket_dump.c",
        "src/native/kernel/diag_glue.c",
        "src/native/kernel/netns.c",
        "src/native/kernel/netns_glue.c",
        "src/native/kernel/ct_parse.c",
        "src/native/kernel/conntrack.c",
        "src/native/kernel/ct_held.c",
        "src/native/kernel/ct_glue.c",
        "src/native/kernel/port_probe.c",
        "src/native/kernel/probe_glue.c"
      ],
      "include_dirs": ["src/native"],
      "cflags_c": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"],
      "cflags!": ["-fno-exceptions"],
      "libraries": ["-lpthread", "-lm"]
    }
  ]
}
