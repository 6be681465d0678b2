"""
Benchmark the chatbot: webhook acknowledgement, broadcast pacing, and (from
bench/chatbot_knowledge.py) answer latency and accuracy.

Part 1, "webhook": BENCH_CHATBOT_UPDATES (2,000) Telegram updates, 16 at a
time (BENCH_CHATBOT_CLIENTS), posted over HTTP to the bot's webhook served by
gunicorn as in production (bench/_server.py) on PostgreSQL, with Redis for
the task queue when it answers (else the database queue). Every 10th update
is posted a second time, as Telegram retries. Reported: acknowledgement
p50/p99, updates per second, app, database and bench client CPU ms per
update, updates
lost (sent but not stored) and doubled (stored or answered twice). The
stored updates are then processed by the worker code against the Telegram
stand-in, and each chat must get exactly one answer.

Part 2, "broadcast": BENCH_CHATBOT_RECIPIENTS (3,000) subscribers get a
broadcast through the Telegram stand-in (which answers 429 over the
platform's limits): the most sends in any one-second window (≤ 30), chats
served twice within a second (0), 429 answers, duration.

Part 3, "knowledge": `bench.chatbot_knowledge.knowledge_part()` when that
file is there (answer_p95_ms, answer_p99_ms, cold_start_s, dev_top1,
dev_top3, dev_handover).

Prints a table and, last, one JSON object merging the parts.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._server import THREADS as PRODUCTION_THREADS
from bench._server import WORKERS as PRODUCTION_WORKERS
from bench._server import gunicorn_command

ROOT = Path(__file__).resolve().parent.parent
UPDATES = int(os.environ.get("BENCH_CHATBOT_UPDATES", "2000"))
CLIENTS = int(os.environ.get("BENCH_CHATBOT_CLIENTS", "16"))
RECIPIENTS = int(os.environ.get("BENCH_CHATBOT_RECIPIENTS", "3000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(PRODUCTION_WORKERS)))
THREADS = int(os.environ.get("BENCH_THREADS", str(PRODUCTION_THREADS)))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")
DB_NAME = "hromada_bench_chatbot"
HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")
TARGETS = {"webhook_ack_p99_ms": 100.0, "webhook_per_s": 150.0, "broadcast_max_per_s": 30}


# -- set-up ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def redis_up() -> bool:
    if not REDIS:
        return False
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def environment(var_dir: str, telegram_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG}/{DB_NAME}",
        HROMADA_ENV="development",
        DEBUG="0",
        HROMADA_VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="hromada.settings",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        HROMADA_TELEGRAM_API=telegram_url,
        HROMADA_RATELIMIT="0",
    )
    if redis_up():
        env["REDIS_URL"] = REDIS
    else:
        env.pop("REDIS_URL", None)
    return env


def recreate_database(env: dict) -> None:
    if env.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    admin = f"{PG}/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
        subprocess.run(["psql", admin, "-qc", sql], check=True, env=env)
    subprocess.run(
        [sys.executable, "-m", "hromada", "migrate", "--noinput", "-v0"],
        check=True,
        cwd=ROOT,
        env=env,
    )


def prepare(token: str) -> dict:
    """Create the community, its Telegram bot and a moderator; return their ids and the secret."""
    import django

    django.setup()
    from hromada.chatbot.models import Bot
    from hromada.chatbot.services_chat import set_bot_token
    from hromada.core.models import Community, Resident, Settlement, StaffRole

    community = Community.objects.create(
        slug=os.environ.get("HROMADA_DEFAULT_COMMUNITY", "chornomorsk"),
        name="Чорноморська громада",
        katottg="UA51100370000015427",
        edrpou="04056204",
    )
    Settlement.objects.create(community=community, name="Чорноморськ", kind="city")
    bot = Bot.objects.create(community=community, channel=Bot.Channel.TELEGRAM, name="Бот")
    set_bot_token(bot=bot, token=token, actor=None)
    moderator = Resident.objects.create_user("moderator@bench.test", "x" * 12)
    StaffRole.objects.create(community=community, resident=moderator, role=StaffRole.Role.MODERATOR)
    return {
        "community": community.pk,
        "bot": bot.pk,
        "secret": bot.secret,
        "moderator": moderator.pk,
    }


def start_server(env: dict, port: int) -> subprocess.Popen:
    command = gunicorn_command(f"{HOST}:{port}", workers=WORKERS, threads=THREADS)
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _database_backends(env: dict) -> list[int]:
    output = subprocess.run(
        [
            "psql",
            f"{PG}/postgres",
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB_NAME}'",
        ],
        env=env,
        capture_output=True,
        check=True,
    )
    return [int(line) for line in output.stdout.decode().split()]


def cpu_snapshot(server: subprocess.Popen, env: dict) -> dict:
    return {
        "app": sum(_process_cpu(pid) for pid in [server.pid, *_children(server.pid)]),
        "db": {pid: _process_cpu(pid) for pid in _database_backends(env)},
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- part 1: the webhook -------------------------------------------------------------------------


def post_updates(
    port: int, bot: int, secret: str, bodies: list[bytes]
) -> tuple[list[float], list[int], float, float]:
    """
    Post the bodies, CLIENTS at a time on keep-alive connections.

    Return the latencies (ms), statuses, seconds, and this process's CPU
    seconds. One thread drives every connection through a selector: the
    client shares the server's cores, and 16 threads of http.client spent
    several times the CPU and waited on one another for the GIL, which the
    acknowledgement times counted. A latency runs from just before the
    request is written to the moment its whole response has arrived.
    """
    import selectors

    head = (
        f"POST /chatbot/telegram/{bot}/ HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: "
    ).encode()
    requests = [head + str(len(body)).encode() + b"\r\n\r\n" + body for body in bodies]
    requests.reverse()
    latencies: list[float] = []
    statuses: list[int] = []
    selector = selectors.DefaultSelector()

    def send(state: dict) -> None:
        if not requests:
            if state["socket"] is not None:
                selector.unregister(state["socket"])
                state["socket"].close()
            return
        if state["socket"] is None:
            state["socket"] = socket.create_connection((HOST, port), timeout=30)
            state["socket"].setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            selector.register(state["socket"], selectors.EVENT_READ, state)
        state["buffer"] = b""
        state["started"] = time.perf_counter()
        state["socket"].sendall(requests.pop())

    def failed(state: dict) -> None:
        latencies.append((time.perf_counter() - state["started"]) * 1000)
        statuses.append(0)
        selector.unregister(state["socket"])
        state["socket"].close()
        state["socket"] = None
        send(state)

    def receive(state: dict) -> None:
        try:
            data = state["socket"].recv(65536)
        except OSError:
            data = b""
        if not data:
            failed(state)
            return
        state["buffer"] += data
        end = state["buffer"].find(b"\r\n\r\n")
        if end < 0:
            return
        lines = state["buffer"][:end].decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        if headers.get("transfer-encoding") == "chunked":
            if not state["buffer"].endswith(b"0\r\n\r\n"):
                return
        elif len(state["buffer"]) < end + 4 + int(headers.get("content-length", "0")):
            return
        latencies.append((time.perf_counter() - state["started"]) * 1000)
        statuses.append(int(lines[0].split()[1]))
        if headers.get("connection") == "close":
            selector.unregister(state["socket"])
            state["socket"].close()
            state["socket"] = None
        send(state)

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(min(CLIENTS, len(requests))):
        send({"socket": None})
    while selector.get_map():
        ready = selector.select(timeout=30)
        if not ready:
            raise SystemExit("the webhook did not answer within 30 s")
        for key, _events in ready:
            receive(key.data)
    return latencies, statuses, time.perf_counter() - started, time.process_time() - cpu


def webhook_part(env: dict, ids: dict, telegram) -> dict:
    from tests.support.telegram_api import message_update

    unique = [
        json.dumps(message_update(1_000_000 + n, 10_000 + n, "/start")).encode()
        for n in range(UPDATES)
    ]
    retries = unique[::10]
    bodies = unique + retries
    # Retries arrive among the others, as Telegram's do.
    import random

    random.Random(14).shuffle(bodies)
    port = free_port()
    server = start_server(env, port)
    try:
        post_updates(
            port, ids["bot"], ids["secret"], [b"{}"] * 20
        )  # warm-up: refused, stores nothing
        before = cpu_snapshot(server, env)
        latencies, statuses, seconds, client_cpu = post_updates(
            port, ids["bot"], ids["secret"], bodies
        )
        after = cpu_snapshot(server, env)
    finally:
        stop_server(server)
    from django.db import connection as db

    from hromada.chatbot.models import Update

    db.close()
    stored = Update.objects.filter(bot_id=ids["bot"]).count()
    lost = max(0, UPDATES - stored)
    doubled_rows = max(0, stored - UPDATES)
    # The worker's part: process every stored update (twice, as a queue may deliver).
    from hromada.chatbot import worker

    pks = list(Update.objects.filter(bot_id=ids["bot"]).values_list("pk", flat=True))
    # Pacing is part 2's business: here each chat gets its answer as fast as it can.
    os.environ["HROMADA_TELEGRAM_RATE"] = "1000"
    started = time.perf_counter()
    for pk in pks:
        worker.process_update(pk)
    for pk in pks[:200]:
        worker.process_update(pk)
    processing = time.perf_counter() - started
    os.environ.pop("HROMADA_TELEGRAM_RATE", None)
    answers: dict[str, int] = {}
    for message in telegram.sent:
        answers[str(message["chat_id"])] = answers.get(str(message["chat_id"]), 0) + 1
    doubled_answers = sum(count - 1 for count in answers.values() if count > 1)
    unanswered = sum(1 for n in range(UPDATES) if str(10_000 + n) not in answers)
    app_ms = (after["app"] - before["app"]) * 1000 / len(bodies)
    db_ms = (
        sum(s - before["db"].get(pid, 0.0) for pid, s in after["db"].items()) * 1000 / len(bodies)
    )
    return {
        "webhook_ack_p50_ms": round(percentile(latencies, 0.50), 1),
        "webhook_ack_p99_ms": round(percentile(latencies, 0.99), 1),
        "webhook_per_s": round(len(bodies) / seconds, 1),
        "webhook_posts": len(bodies),
        "webhook_non_200": sum(1 for s in statuses if s != 200),
        "updates_lost": lost + unanswered,
        "updates_doubled": doubled_rows + doubled_answers,
        "webhook_app_cpu_ms": round(app_ms, 2),
        "webhook_db_cpu_ms": round(db_ms, 2),
        "webhook_client_cpu_ms": round(client_cpu * 1000 / len(bodies), 2),
        "worker_ms_per_update": round(processing * 1000 / max(1, len(pks) + 200), 1),
        "task_queue": "redis" if env.get("REDIS_URL") else "database",
    }


# -- part 2: the broadcast ---------------------------------------------------------------------


def broadcast_part(ids: dict, telegram) -> dict:
    from hromada.chatbot import worker
    from hromada.chatbot.models import Chat, Subscription
    from hromada.chatbot.services_chat import create_broadcast
    from hromada.core.models import Community, Resident

    community = Community.objects.get(pk=ids["community"])
    chats = Chat.objects.bulk_create(
        Chat(
            community=community, channel="telegram", bot_id=ids["bot"], external_id=str(500_000 + n)
        )
        for n in range(RECIPIENTS)
    )
    Subscription.objects.bulk_create(Subscription(chat=chat, topic="alerts") for chat in chats)
    telegram.sent.clear()
    telegram.enforce_limits = True
    moderator = Resident.objects.get(pk=ids["moderator"])
    broadcast = create_broadcast(
        staff=moderator,
        community=community,
        topic="alerts",
        text="Повітряна тривога: пройдіть в укриття.",
    )
    started = time.perf_counter()
    result = worker.send_broadcast(broadcast.pk)
    seconds = time.perf_counter() - started
    times = sorted(message["at"] for message in telegram.sent)
    most, left = 0, 0
    for right, moment in enumerate(times):
        while moment - times[left] >= 1.0:
            left += 1
        most = max(most, right - left + 1)
    by_chat: dict = {}
    twice = 0
    for message in telegram.sent:
        last = by_chat.get(message["chat_id"])
        if last is not None and message["at"] - last < 1.0:
            twice += 1
        by_chat[message["chat_id"]] = message["at"]
    return {
        "broadcast_recipients": RECIPIENTS,
        "broadcast_sent": result.get("sent", 0),
        "broadcast_failed": result.get("failed", 0),
        "broadcast_max_per_s": most,
        "broadcast_chat_twice_within_1s": twice,
        "broadcast_429": telegram.too_many,
        "broadcast_seconds": round(seconds, 1),
    }


# -- part 3: the knowledge base (bench/chatbot_knowledge.py) ----------------------------


KNOWLEDGE_KEYS = [
    "answer_p95_ms",
    "answer_p99_ms",
    "cold_start_s",
    "dev_top1",
    "dev_top3",
    "dev_handover",
]


def knowledge_part() -> dict:
    try:
        from bench.chatbot_knowledge import knowledge_part as measure
    except ImportError:
        return dict.fromkeys(KNOWLEDGE_KEYS)
    return measure()


# -- main -------------------------------------------------------------------------------------------


def main() -> None:
    from tests.support.telegram_api import TelegramApi

    parts = os.environ.get("BENCH_CHATBOT_PARTS", "webhook,broadcast,knowledge").split(",")
    result: dict = {}
    if "knowledge" in parts:
        # First, in its own processes, before this one sets Django up on another database.
        result.update(knowledge_part())
    if "webhook" in parts or "broadcast" in parts:
        with TelegramApi() as telegram, tempfile.TemporaryDirectory(prefix="hromada-bench-") as var:
            env = environment(var, telegram.url)
            os.environ.update(env)
            if not env.get("REDIS_URL"):
                os.environ.pop("REDIS_URL", None)
            recreate_database(env)
            ids = prepare(telegram.token)
            if "webhook" in parts:
                result.update(webhook_part(env, ids, telegram))
            if "broadcast" in parts:
                result.update(broadcast_part(ids, telegram))
    width = max(len(key) for key in result) if result else 10
    print(f"{'figure':<{width}}  value  (target)")
    for key, value in result.items():
        target = TARGETS.get(key)
        print(f"{key:<{width}}  {value}" + (f"  ({target})" if target is not None else ""))
    final = {
        key: result.get(key)
        for key in [
            "answer_p95_ms",
            "answer_p99_ms",
            "cold_start_s",
            "webhook_ack_p99_ms",
            "webhook_per_s",
            "updates_lost",
            "updates_doubled",
            "broadcast_max_per_s",
            "dev_top1",
            "dev_top3",
            "dev_handover",
        ]
    }
    final.update({key: value for key, value in result.items() if key not in final})
    print(json.dumps(final, ensure_ascii=False))


if __name__ == "__main__":
    main()
