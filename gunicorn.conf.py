"""gunicorn's settings: read from the working directory by the image and docker-compose, and by
scripts/bench_stack.py, so the bench serves the way production does. Flags on the command line win.

Threads that keep connections alive, not sync workers. A sync worker closes the connection after
every response, so each request pays a TCP connect, and every new connection wakes each idle worker
waiting on the shared socket (all but one go back to sleep). One process per core: more processes
only take turns on the cores, each turn refilling the caches. Two threads each: a request waits on
PostgreSQL part of its time and the other thread runs meanwhile; more threads wait for the GIL
instead. B1 on the 2-core bench machine, server CPU per instance and instances/s, 4 sync workers
against 2 processes x 2 threads: 8 clients 7.5 -> 6.6 ms (130 -> 131/s); 32 clients 8.1 -> 5.8 ms
(130 -> 200/s); 1 client 6.1 ms either way (102 -> 92/s: the hand-off to a thread adds ~0.5 ms to a
request). 2 x 4 threads and 4 x 4 (docker-compose's earlier flags) cost more at 8 and 32 clients.
The access log stays off (gunicorn's default).
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
threads = 2
# gunicorn's advice for clients connecting directly is 1-5 s; a client between two calls of a
# conversation (start, then complete) finds its connection still open.
keepalive = 5
