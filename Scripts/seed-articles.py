#!/usr/bin/env python3
"""seed-articles.py - add N articles to a running Conduit API through the API itself.

  Scripts/seed-articles.py --base http://127.0.0.1:PORT --articles 100000 [--authors 50] [--workers 16]

Registers `--authors` users and has them post articles concurrently (keep-alive connections,
one per worker), each with three of the 12 tags the load mixes filter by, so that filters and counts
face a large table. Prints the rate it reached.
"""
import argparse, http.client, json, random, sys, threading, time, urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--authors", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.base)
    stamp = int(time.time() * 1000) % 10_000_000

    def connection():
        return http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    def call(conn, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Token " + token
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data) if data else None

    conn = connection()
    tokens = []
    for index in range(args.authors):
        name = f"bulk{stamp}x{index}"
        user = call(conn, "POST", "/api/users", {"user": {"username": name, "email": f"{name}@seed.example.com", "password": "password123"}})
        tokens.append(user["user"]["token"])
    conn.close()

    counter = iter(range(args.articles))
    lock = threading.Lock()
    failures = []

    def work(worker):
        rnd = random.Random(worker)
        conn = connection()
        while True:
            with lock:
                index = next(counter, None)
            if index is None or failures:
                break
            tags = rnd.sample([f"tag{t}" for t in range(12)], 3)  # the tags the load mixes filter by
            article = {"title": f"Bulk article {index}", "description": "Seeded", "body": "Body of a seeded article.", "tagList": tags}
            try:
                call(conn, "POST", "/api/articles", {"article": article}, tokens[index % len(tokens)])
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(str(error))
        conn.close()

    started = time.time()
    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(args.workers)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    if failures:
        sys.exit(f"seeding failed: {failures[0]}")
    elapsed = time.time() - started
    print(f"# seeded {args.articles} articles by {args.authors} authors in {elapsed:.1f} s ({args.articles / elapsed:.0f}/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
