#!/usr/bin/env python3
"""The client's ceiling: a tus look-alike that answers POST with 201 and PATCH with 204 and
throws every body byte away, so what tus-load.mjs gets from it is the most the client and
loopback can move on this machine.   python3 null-sink.py PORT"""

import socket
import sys
import threading


def serve(conn: socket.socket) -> None:
    buf = bytearray(4 << 20)
    view = memoryview(buf)
    with conn:
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                more = conn.recv(65536)
                if not more:
                    return
                data += more
            head, data = data.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            method = lines[0].split()[0]
            length = 0
            for line in lines[1:]:
                key, _, value = line.partition(b":")
                if key.strip().lower() == b"content-length":
                    length = int(value)
            got = min(len(data), length)
            data = data[got:]
            while got < length:
                n = conn.recv_into(view, min(len(buf), length - got))
                if n == 0:
                    return
                got += n
            if method == b"POST":
                conn.sendall(b"HTTP/1.1 201 Created\r\nLocation: /files/x\r\nContent-Length: 0\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 204 No Content\r\nUpload-Offset: %d\r\n\r\n" % length)


def main() -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(512)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
