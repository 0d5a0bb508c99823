"""One clear line if PostgreSQL or Redis cannot be reached, with how to start them."""

import os
import sys

import psycopg2
import redis

db_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

try:
    psycopg2.connect(db_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
except psycopg2.OperationalError as error:
    reason = str(error).strip().splitlines()[0]
    print(
        f"PostgreSQL is not reachable at {db_url} ({reason}). Start it with: "
        "sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
        file=sys.stderr,
    )
    sys.exit(1)

try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
except redis.RedisError as error:
    print(
        f"Redis is not reachable at {redis_url} ({error}). Start it with: "
        "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
        file=sys.stderr,
    )
    sys.exit(1)
