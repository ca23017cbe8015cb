"""Small probes scripts/test uses for its back-ends, with the project's own drivers (no psql needed).

    python backends.py pg-ready URL | pg-version URL | pg-recreate URL   (URL names the database to recreate)
    python backends.py redis-ping URL | redis-version URL
Exit status 0 means yes/done; a version is printed as its major number."""

import sys


def pg_connect(url, database=None):
    import psycopg2
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if database:
        parsed = parsed.set(database=database)
    return psycopg2.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname=parsed.database or "postgres",
        connect_timeout=3,
    )


def pg_version(url):
    with pg_connect(url, "postgres") as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return str(int(cur.fetchone()[0]) // 10000)


def pg_recreate(url):
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    conn = pg_connect(url, "postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def redis_info(url):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2).info("server")


def main(command, url):
    try:
        if command == "pg-ready":
            pg_connect(url, "postgres").close()
        elif command == "pg-version":
            print(pg_version(url))
        elif command == "pg-recreate":
            pg_recreate(url)
        elif command == "redis-ping":
            redis_info(url)
        elif command == "redis-version":
            print(redis_info(url)["redis_version"].split(".")[0])
        else:
            raise SystemExit(f"unknown command {command}")
    except Exception as exc:  # noqa: BLE001 - any failure is a plain "no" for the shell
        print(f"{command}: {exc}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
