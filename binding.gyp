{
  # Built by `npm install` (node-gyp rebuild). Both outputs land in build/Release:
  #   agentd-launcher      the daemonizing launcher (plain executable, no Node inside)
  #   agentd_native.node   the N-API addon (flock probe, fd passing, listen sockets, sd_notify)
  # Plain C, Linux. Node's common.gypi already adds -Wall -Wextra; we also drop its
  # -Wno-unused-parameter so that the build is warning-free under the full -Wextra.
  "target_defaults": {
    "defines": ["_GNU_SOURCE"],
    "cflags": ["-Wall", "-Wextra", "-std=gnu11", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2"],
    "cflags!": ["-Wno-unused-parameter"]
  },
  "targets": [
    {
      "target_name": "agentd-launcher",
      "type": "executable",
      "sources": ["src/native/launcher.c"]
    },
    {
      "target_name": "agentd_native",
      "sources": ["src/native/addon.c"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
