#!/usr/bin/env python3
"""A 100 MB document through POST /api/whatsapp/media: the server's resident memory (RSS) and
/health's latency while it arrives, and the upload's time.

Starts `wacloud sandbox` (Meta's stand-in, a process of its own so that the copy it keeps in
memory is not counted) and `wacloud` in live mode against it, on a fresh SQLite database.

    python3 tools/bench/media_upload.py <path to wacloud> [receive buffer bytes] [MiB]

Prints one line of figures; docs/BENCHMARKS.md has them.
"""
import http.client, os, socket, statistics, subprocess, sys, tempfile, threading, time

exe = sys.argv[1]
rcvbuf = sys.argv[2] if len(sys.argv) > 2 else "16384"
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 100
size = mib * 1024 * 1024


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_health(port):
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/whatsapp/health")
            c.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not start ({server.poll()}): " + open(f"{work}/server.log").read()[-2000:] + open(f"{work}/server.out").read()[-2000:])


work = tempfile.mkdtemp(prefix="wacloud-media-bench-")
sb_port, port = free_port(), free_port()
common = {
    **os.environ,
    "WHATSAPP_APP_SECRET": "bench-secret",
    "WHATSAPP_API_TOKEN": "bench-token-123456",
    "RUST_LOG": "warn",
}
sandbox = subprocess.Popen(
    [exe, "sandbox", "--bind", f"127.0.0.1:{sb_port}",
     "--webhook-url", f"http://127.0.0.1:{port}/api/whatsapp/webhook"],
    env=common, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
server = subprocess.Popen(
    [exe, "serve"],
    env={**common,
         "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
         "WHATSAPP_GRAPH_BASE_URL": f"http://127.0.0.1:{sb_port}/sandbox/graph",
         "DATABASE_URL": f"{work}/wacloud.db",
         "WACLOUD_BIND": f"127.0.0.1:{port}",
         "WACLOUD_MEDIA_CACHE_DIR": f"{work}/media",
         "WACLOUD_SOCKET_RECEIVE_BUFFER": rcvbuf,
         "WACLOUD_GRAPH_TIMEOUT_MS": "120000",
         "WACLOUD_QUEUE_LEASE_SECS": "300"},
    stdout=open(f"{work}/server.out", "w"), stderr=open(f"{work}/server.log", "w"))
try:
    wait_health(port)
    path = f"{work}/big.pdf"
    with open(path, "wb") as f:
        block = os.urandom(1024 * 1024)
        for _ in range(mib):
            f.write(block)

    def upload(file_path, length, name):
        boundary = "benchboundary7MA4YWxkTrZu0gW"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()

        def body():
            yield head
            with open(file_path, "rb") as f:
                while chunk := f.read(256 * 1024):
                    yield chunk
            yield tail

        c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        c.putrequest("POST", "/api/whatsapp/media")
        c.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        c.putheader("Content-Length", str(len(head) + length + len(tail)))
        c.endheaders()
        for part in body():
            c.send(part)
        r = c.getresponse()
        return r.status, r.read()

    # Warm up: the first upload makes the pools and buffers a steady server has.
    small = f"{work}/small.pdf"
    with open(small, "wb") as f:
        f.write(os.urandom(1024 * 1024))
    status, text = upload(small, 1024 * 1024, "warm.pdf")
    assert status == 201, (status, text)
    time.sleep(0.5)

    def health_latencies(stop, out):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not stop.is_set():
            t = time.perf_counter()
            c.request("GET", "/api/whatsapp/health")
            c.getresponse().read()
            out.append((time.perf_counter() - t) * 1000)
            time.sleep(0.02)

    base = []
    stop = threading.Event()
    t = threading.Thread(target=health_latencies, args=(stop, base))
    t.start()
    time.sleep(2)
    stop.set()
    t.join()

    before = rss(server.pid)
    peak = [before]
    during = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss(server.pid))
            time.sleep(0.02)

    threads = [threading.Thread(target=sample),
               threading.Thread(target=health_latencies, args=(stop, during))]
    for th in threads:
        th.start()
    t0 = time.perf_counter()
    status, text = upload(path, size, "big.pdf")
    elapsed = time.perf_counter() - t0
    stop.set()
    for th in threads:
        th.join()
    assert status == 201, (status, text)

    def q(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(len(v) * p))]

    print(f"{mib} MiB upload, SO_RCVBUF {rcvbuf}: {elapsed:.2f} s ({mib / elapsed:.1f} MiB/s); "
          f"server RSS {before:.1f} MiB before, peak {peak[0]:.1f} MiB (+{peak[0] - before:.1f} MiB); "
          f"/health during: {len(during)} answers, median {statistics.median(during):.2f} ms, "
          f"p99 {q(during, 0.99):.2f} ms, max {max(during):.2f} ms "
          f"(alone: median {statistics.median(base):.2f} ms, max {max(base):.2f} ms)")
finally:
    server.terminate()
    sandbox.terminate()
    server.wait()
    sandbox.wait()
    subprocess.run(["rm", "-rf", work])
