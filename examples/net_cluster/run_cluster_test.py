#!/usr/bin/env python3
"""net_cluster ctest: three kvlsm-net-node processes on 127.0.0.1.

1. Start nodes 1, 2, 3 and wait until each sees the other two alive (gossip).
2. Kill node 3 (SIGKILL) and wait until nodes 1 and 2 declare it down.
3. Write keys through node 1 (W = 2, sloppy): those replicated on node 3 go to the
   stand-in, which keeps a hint.
4. Restart node 3 over the same directory and wait until the hints are delivered:
   node 3 then stores every value written while it was dead (anti-entropy is off in
   the example, so the hints are the only way the data can get there).

Usage: run_cluster_test.py <path to kvlsm_net_node>. Exit status 0 on success; the
nodes' event lines are printed as they arrive.
"""
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 20.0  # seconds for any one step


def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


class Proc:
    def __init__(self, binary, node_id, ports, directory):
        self.id = node_id
        self.lines = queue.Queue()
        self.proc = subprocess.Popen(
            [binary, f"--id={node_id}", "--ports=" + ",".join(map(str, ports)),
             f"--dir={directory}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready")

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, word):
        """Returns the next line starting with `word`, echoing event lines."""
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=deadline - time.time())
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"node {self.id} exited (status {self.proc.wait()})")
            if line.startswith(("member ", "trace ")):
                print(f"[node {self.id}] {line}", flush=True)
            if line.split(" ", 1)[0] == word:
                return line
        raise RuntimeError(f"node {self.id}: no '{word}' line within {TIMEOUT} s")

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.expect(command.split(" ", 1)[0])

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.ask("quit")
            except (RuntimeError, BrokenPipeError):
                pass
            self.proc.wait(timeout=10)


def wait_for(what, predicate):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def peers(node):
    # "peers 1=alive 2=down 3=alive" -> {1: "alive", ...}
    return {int(k): v for k, v in (p.split("=") for p in node.ask("peers").split()[1:])}


def stats(node):
    return {k: int(v) for k, v in (p.split("=") for p in node.ask("stats").split()[1:])}


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="kvlsm_net_cluster_")
    ports = free_ports(3)
    dirs = {i: os.path.join(work, f"node{i}") for i in (1, 2, 3)}
    nodes = {}
    try:
        for i in (1, 2, 3):
            nodes[i] = Proc(binary, i, ports, dirs[i])
        for i in (1, 2, 3):
            wait_for(f"node {i} to see everyone alive",
                     lambda i=i: list(peers(nodes[i]).values()) == ["alive"] * 3)
        print("all three nodes alive", flush=True)

        nodes[3].kill()
        for i in (1, 2):
            wait_for(f"node {i} to declare node 3 down",
                     lambda i=i: peers(nodes[i]).get(3) == "down")
        print("node 3 killed and declared down", flush=True)

        written = {}
        for k in range(20):
            key, value = f"key{k}", f"value{k}"
            answer = nodes[1].ask(f"put {key} {value}")
            if answer != "put ok":
                raise RuntimeError(f"put {key}: {answer}")
            written[key] = value
        on_node3 = [k for k in written
                    if "3" in nodes[1].ask(f"replicas {k}").split()[1:]]
        hints = sum(stats(nodes[i])["hints"] for i in (1, 2))
        print(f"20 keys written, {len(on_node3)} of them replicated on node 3; "
              f"{hints} hints held by nodes 1 and 2", flush=True)
        if not on_node3 or hints < len(on_node3):
            raise RuntimeError("expected a hint for every key replicated on node 3")

        nodes[3] = Proc(binary, 3, ports, dirs[3])
        wait_for("the hints to be delivered",
                 lambda: sum(stats(nodes[i])["hints"] for i in (1, 2)) == 0)
        delivered = sum(stats(nodes[i])["delivered"] for i in (1, 2))
        for key in on_node3:
            answer = nodes[3].ask(f"local {key}")
            if answer != f"local ok {written[key]}":
                raise RuntimeError(f"node 3 holds {answer!r} for {key}, "
                                   f"expected {written[key]!r}")
        print(f"node 3 restarted: {delivered} hints delivered, and it stores all "
              f"{len(on_node3)} values written while it was down", flush=True)
        print("PASS", flush=True)
        return 0
    except RuntimeError as error:
        print(f"FAIL: {error}", flush=True)
        return 1
    finally:
        for node in nodes.values():
            if node.proc.poll() is None:
                node.quit()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
