{
  "targets": [
    {
      "target_name": "portchurn_native",
      "sources": ["src/native/glue.c", "src/native/loop.c", "src/native/conn.c", "src/native/framing.c"],
      "cflags_c": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"],
      "cflags!": ["-fno-exceptions"],
      "libraries": ["-lpthread", "-lm"]
    }
  ]
}
