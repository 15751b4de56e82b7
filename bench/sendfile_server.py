#!/usr/bin/env python3
"""bench/sendfile_server.py DIR -- serve DIR over HTTP on 127.0.0.1, any free
port, printing "port N" once listening; bodies go out with sendfile(2).

bench/run's download benchmark measures clients, so the server must not be
the slower side. `python3 -m http.server` copies each body through Python
in 64 KiB pieces, ~0.6 s for 1 GiB here: as long as curl took to download
it, so the two clients' ratio was the server's (docs/performance.md). With
sendfile the kernel moves the file's pages to the socket, and what is left
is each client's reading and writing.
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def copyfile(self, source, outputfile):
        outputfile.flush()
        self.connection.sendfile(source)

    def log_message(self, *args):
        pass


def main():
    handler = functools.partial(Handler, directory=sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print("port", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
