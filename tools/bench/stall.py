#!/usr/bin/env python3
"""600 connections each declaring a 3 MiB webhook body, sending part of it, then stalling;
prints the server's peak resident memory while they stall."""
import socket, sys, time, threading
port, pid, n, send = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1]) / 1024
socks, answered = [], 0
head = (f"POST /api/whatsapp/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: sha256=00\r\nContent-Length: {3*1024*1024}\r\n\r\n").encode()
chunk = b" " * send
start_rss = rss()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head)
    s.setblocking(False)
    try:
        s.sendall(chunk)
    except BlockingIOError:
        pass
    socks.append(s)
peak = 0
t0 = time.time()
while time.time() - t0 < 8:
    peak = max(peak, rss())
    time.sleep(0.2)
for s in socks:
    try:
        if s.recv(20).startswith(b"HTTP/1.1 503"):
            answered += 1
    except Exception:
        pass
print(f"{n} stalled connections x {send//1024} KiB sent: RSS before {start_rss:.0f} MiB, peak {peak:.0f} MiB; answered 503 at once: {answered}")
