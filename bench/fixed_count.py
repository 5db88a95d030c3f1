#!/usr/bin/env python3
"""Sends exactly N keep-alive GET requests over C connections and prints the
status counts. For instruction counting (bench/callgrind.sh), where a fixed
number of requests matters more than a fixed duration.

usage: fixed_count.py HOST PORT PATH N C [HEADER ...]
"""
import selectors
import socket
import sys


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    n, c = int(sys.argv[4]), int(sys.argv[5])
    headers = "".join(h + "\r\n" for h in sys.argv[6:])
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}\r\n".encode()
    sel = selectors.DefaultSelector()
    sent = done = 0
    statuses = {}
    for _ in range(min(c, n)):
        s = socket.create_connection((host, port))
        s.setblocking(False)
        s.send(request)
        sent += 1
        sel.register(s, selectors.EVENT_READ, {"sock": s, "buf": b""})
    while done < n:
        for key, _ in sel.select():
            conn = key.data
            chunk = conn["sock"].recv(65536)
            if not chunk:
                sys.exit("server closed a connection")
            conn["buf"] += chunk
            while True:
                buf = conn["buf"]
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[:end].decode("latin-1").split("\r\n")
                length = 0
                for line in head[1:]:
                    name, value = line.split(":", 1)
                    if name.lower() == "content-length":
                        length = int(value)
                if len(buf) < end + 4 + length:
                    break
                status = head[0].split(" ")[1]
                statuses[status] = statuses.get(status, 0) + 1
                conn["buf"] = buf[end + 4 + length:]
                done += 1
                if sent < n:
                    conn["sock"].send(request)
                    sent += 1
    print(" ".join(f"{k}x{v}" for k, v in sorted(statuses.items())))


main()
