#!/usr/bin/env python3
"""Two `kehu serve` processes on one PostgreSQL database, as two branches of a chain.

SESSIONS operators (OpenSSH `ssh -tt` in pseudo-terminals of 100x30) split between the two
servers type scripted keys for DURATION seconds, each key timed from the write to the first
bytes of its frame. On the first server every fourth operator sells (p, an amount, Enter: a
purchase for the customer under the cursor), so that the other server's sessions take in
another process's saves while their operators type. Prints `name value unit` lines: key ->
frame p50/p99 per server, sales saved, each server's CPU (% of one core) and peak resident
memory.

Usage: serve_chain.py KEHU_BINARY POSTGRES_URL [SESSIONS=20] [DURATION=60] [AS_OF=2024-06-30]
The database must hold a shop (e.g. `kehu --db URL demo --customers 2000 --seed 7`)."""
import os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_load import Operator, proc_cpu, rss_mb  # noqa: E402

BROWSE = [b"j", b"j", b"k", b"k", b"/", b"l", b"i", b"\x7f", b"\x7f", b"\x1b"]
SELL = [b"j", b"p", b"1", b"2", b"\r", b"k"]

def serve(binary, url, as_of, tmp, name, keys, n):
    log = open(os.path.join(tmp, f"{name}.log"), "w+")
    proc = subprocess.Popen([binary, "--db", url, "--as-of", as_of, "serve", "--listen", "127.0.0.1:0",
                             "--authorized-keys", keys, "--host-key", os.path.join(tmp, f"{name}.hk"),
                             "--max-sessions", str(n + 4)], stderr=log, stdout=subprocess.DEVNULL)
    end = time.time() + 120
    while time.time() < end:
        log.seek(0)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read())
        if m:
            return proc, int(m.group(1)), log
        time.sleep(0.05)
    raise SystemExit(f"server {name} did not start")

def main():
    binary, url = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    duration = float(sys.argv[4]) if len(sys.argv) > 4 else 60
    as_of = sys.argv[5] if len(sys.argv) > 5 else "2024-06-30"
    tmp = tempfile.mkdtemp()
    key = os.path.join(tmp, "op")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "op", "-f", key], check=True)
    ak = os.path.join(tmp, "authorized_keys")
    shutil.copy(key + ".pub", ak)
    os.chmod(ak, 0o600)
    servers = [serve(binary, url, as_of, tmp, name, ak, n) for name in ("one", "two")]
    until = time.time() + 60 + duration
    ops = []
    for i in range(n):
        proc, port, _ = servers[i % 2]
        sells = i % 2 == 0 and (i // 2) % 4 == 0
        ops.append((i % 2, sells, Operator(port, key, until, i, SELL if sells else BROWSE)))
    for _, _, o in ops:
        o.start()
    start_wait = time.time() + 60
    while time.time() < start_wait and not all(o.ready for _, _, o in ops):
        time.sleep(0.2)
    print(f"chain_sessions_ready {sum(o.ready for _, _, o in ops)} of {n}")
    cpu0 = [proc_cpu(p.pid) for p, _, _ in servers]
    t0, peak = time.time(), [0.0, 0.0]
    while time.time() < until:
        peak = [max(peak[k], rss_mb(servers[k][0].pid)) for k in range(2)]
        time.sleep(1)
    cpu = [(proc_cpu(p.pid) - c) / (time.time() - t0) * 100 for (p, _, _), c in zip(servers, cpu0)]
    for _, _, o in ops:
        o.join(timeout=5)
    p99 = lambda xs: xs[max(int(len(xs) * 0.99) - 1, 0)]
    for k, name in enumerate(("one", "two")):
        times = sorted(t for s, _, o in ops if s == k for t in o.times)
        if times:
            print(f"chain_{name}_key_to_frame_p50 {statistics.median(times):.2f} ms")
            print(f"chain_{name}_key_to_frame_p99 {p99(times):.2f} ms")
        print(f"chain_{name}_keys_without_frame {sum(o.lost for s, _, o in ops if s == k)} keys")
        print(f"chain_{name}_cpu {cpu[k]:.0f} % of one core")
        print(f"chain_{name}_rss_peak {peak[k]:.1f} MB")
    sales = sum(len(o.times) // len(SELL) for _, sells, o in ops if sells)
    print(f"chain_sales_typed {sales} count")
    for _, _, o in ops:
        o.close()
    time.sleep(1)
    for proc, _, log in servers:
        proc.terminate()
        proc.wait(timeout=30)
        log.seek(0)
        text = log.read()
        if "panicked" in text:
            print(text)
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
