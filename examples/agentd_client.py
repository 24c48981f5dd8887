#!/usr/bin/env python3
"""Talk to agentd's control socket with Python's standard library only.

    python3 examples/agentd_client.py [--home DIR] METHOD [PARAMS_JSON]

One JSON-RPC 2.0 message per line, both ways; notifications (lines without an id) are skipped.
Exit codes are ctl's: 0 ok, 1 failure, 2 usage (unknown method, invalid params), 3 not running.
"""
import json
import os
import socket
import sys


# JSON-RPC's "method not found" and "invalid params" are the caller's mistake: usage, as in ctl.
USAGE_CODES = (-32601, -32602)


class RpcError(Exception):
    def __init__(self, error):
        self.code = error["code"]
        super().__init__(f"{error['message']} ({error.get('data', {}).get('code', error['code'])})")


def call(sock_path, method, params=None, timeout=30):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
        s.sendall((json.dumps(request) + "\n").encode())
        reader = s.makefile("r", encoding="utf-8")
        for line in reader:
            reply = json.loads(line)
            if reply.get("id") != 1:
                continue
            if "error" in reply:
                raise RpcError(reply["error"])
            return reply["result"]
    raise RuntimeError("connection closed before the reply")


def main(argv):
    home = os.environ.get("AGENTD_HOME", os.path.expanduser("~/.agentd"))
    if len(argv) >= 2 and argv[0] == "--home":
        home, argv = argv[1], argv[2:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        params = json.loads(argv[1]) if len(argv) > 1 else {}
    except json.JSONDecodeError as e:
        print(f"error: PARAMS_JSON is not valid JSON: {e}; give one object, e.g. '{{\"name\":\"x\"}}'", file=sys.stderr)
        return 2
    try:
        result = call(os.path.join(home, "agentd.sock"), argv[0], params)
    except (FileNotFoundError, ConnectionRefusedError):
        print(f"agentd is not running (home {home})", file=sys.stderr)
        return 3
    except RpcError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2 if e.code in USAGE_CODES else 1
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        print(json.dumps(result, indent=2), flush=True)
    except BrokenPipeError:
        # The reader went away (`| head -1`): not a failure, as with ctl. stdout goes to /dev/null
        # so that Python's own flush at exit does not fail on the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
