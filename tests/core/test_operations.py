"""Operating it: readiness, Prometheus metrics, the request log and PgBouncer."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tasks import task
from prometheus_client.parser import text_string_to_metric_families

from hromada.core.observability import readiness_failures
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """Return a local TCP port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_django(script: str, *, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "hromada.test_settings", **env}
    return subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- /readyz ---------------------------------------------------------------


def test_ready_on_the_test_database(client, community):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


def test_a_ready_server_answers_with_one_query(client, community, django_assert_num_queries):
    """Once the schema was found complete, a probe costs the database one SELECT."""
    assert client.get("/readyz").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/readyz").status_code == 200


READYZ = """
import django
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(response.status_code, response.content.decode().strip())
"""


def test_not_ready_on_a_database_without_migrations(tmp_path):
    """A fresh database answers SELECT 1 but lacks the schema: 503 naming migrations."""
    database = tmp_path / "empty.sqlite3"
    result = run_django(
        READYZ,
        env={"DATABASE_URL": f"sqlite:///{database}", "HROMADA_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "503 not ready: migrations"
    assert str(database) not in result.stdout


def test_not_ready_when_redis_is_away(client, community, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content.decode().strip() == "not ready: redis"
    assert "127.0.0.1" not in response.content.decode()


def test_ready_with_redis_running(client, community, settings, redis_url):
    settings.REDIS_URL = redis_url
    assert client.get("/readyz").status_code == 200


class UnreachableStorage:
    """A file storage whose service does not answer (an S3 endpoint that is down)."""

    def __init__(self, **options):
        pass

    def exists(self, name):
        raise ConnectionError("connect timeout")


def test_not_ready_when_the_file_storage_fails(community, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.UnreachableStorage"},
    }
    assert readiness_failures() == ["storage"]


PRODUCTION_EXEMPT = """
from hromada import settings
print(" ".join(settings.SECURE_REDIRECT_EXEMPT))
"""


def test_probes_and_metrics_answer_plain_http_in_production(client, community, settings, tmp_path):
    env = {
        "HROMADA_ENV": "production",
        "SECRET_KEY": "s" * 60,
        "HROMADA_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hromada.settings",
    }
    result = run_django(PRODUCTION_EXEMPT, env=env)
    assert result.returncode == 0, result.stderr
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = result.stdout.split()
    assert client.get("/").status_code == 301
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200, path


# --- /metrics --------------------------------------------------------------


def scrape(client) -> dict[tuple[str, frozenset], float]:
    """Return {(sample name, labels): value} from /metrics."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def home_responses(samples) -> float:
    labels = frozenset({"status": "200", "view": "core:home", "method": "GET"}.items())
    return samples.get(("django_http_responses_total_by_status_view_method_total", labels), 0)


def test_the_request_counter_grows_with_each_request(client, community):
    before = home_responses(scrape(client))
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    after = scrape(client)
    assert home_responses(after) == before + 2
    latency = frozenset({"view": "core:home", "method": "GET", "le": "+Inf"}.items())
    assert after[("django_http_requests_latency_seconds_by_view_method_bucket", latency)] >= 2


def test_metrics_are_hidden_from_other_addresses(client, community, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404
    settings.HROMADA_METRICS_ALLOWED = ["10.1.0.0/24"]
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 no longer listed
    assert client.get("/metrics", REMOTE_ADDR="10.1.0.9").status_code == 200


def test_metrics_use_the_client_address_behind_a_trusted_proxy(community, settings):
    """Through nginx on the same machine an outsider is still an outsider."""
    settings.HROMADA_TRUSTED_PROXIES = ["127.0.0.1"]
    outsider = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert outsider.get("/metrics").status_code == 404
    spoofed = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.7")
    assert spoofed.get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200


def test_module_totals_per_community(client, community, other_community):
    from hromada.budget import services as budget
    from hromada.core.models import StaffRole
    from hromada.petitions.models import Topic
    from tests.appeals.conftest import report
    from tests.budget.helpers import admitted_projects, make_category, make_cycle, move_to
    from tests.factories import make_staff
    from tests.petitions.conftest import make_collecting, set_rules, sign_by_new_residents

    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    set_rules(community, administrator, threshold=10, collection_days=30)
    petition = make_collecting(
        community,
        make_resident(community),
        Topic.objects.create(community=community, name="Транспорт"),
        make_staff(community, StaffRole.Role.MODERATOR),
    )
    sign_by_new_residents(petition, 3)

    cycle = make_cycle(community)
    category = make_category(cycle)
    projects = admitted_projects(community, category, 2)
    move_to(cycle, "voting")
    category.refresh_from_db()
    for voter in (make_resident(community), make_resident(community)):
        budget.cast_ballot(resident=voter, category=category, choices=[projects[0].pk])

    from hromada.appeals import services as appeals
    from hromada.appeals.models import Category
    from tests.factories import make_department

    make_department(community)
    appeals.install_default_categories(community=community)
    categories = {c.service_code: c for c in Category.objects.filter(community=community)}
    report(community, categories, make_resident(community))

    samples = scrape(client)
    here, there = frozenset({("community", "chornomorsk")}), frozenset({("community", "pivdenne")})
    assert samples[("hromada_signatures_total", here)] == 3
    assert samples[("hromada_ballots_total", here)] == 2
    assert samples[("hromada_appeals_total", here)] == 1
    for name in ("hromada_signatures_total", "hromada_ballots_total", "hromada_appeals_total"):
        assert samples[(name, there)] == 0


@pytest.fixture
def database_queue(settings):
    # django-tasks re-reads TASKS when the setting changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def fails() -> None:
    raise RuntimeError("the job broke")


@pytest.mark.django_db(transaction=True)
def test_database_queue_length_and_failures(client, community, database_queue):
    from hromada.core.tasks import deliver_notification

    fails.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    deliver_notification.enqueue(0)

    samples = scrape(client)
    default = frozenset({("queue", "default")})
    assert samples[("hromada_task_queue_length", default)] == 1
    assert samples[("hromada_tasks_failed", default)] == 1


def test_rq_queue_length_and_failures(client, community, settings, redis_url):
    import redis
    from rq import Queue

    name = f"metrics-test-{os.getpid()}"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    settings.RQ_QUEUES = {name: {"URL": redis_url}}
    queue = Queue(name, connection=redis.Redis.from_url(redis_url))
    queue.empty()
    try:
        queue.enqueue("os.getcwd")
        queue.enqueue("os.getcwd")
        broken = queue.enqueue("os.getcwd")
        queue.remove(broken)
        queue.failed_job_registry.add(broken, ttl=60, exc_string="RuntimeError")

        samples = scrape(client)
        labels = frozenset({("queue", name)})
        assert samples[("hromada_task_queue_length", labels)] == 2
        assert samples[("hromada_tasks_failed", labels)] == 1
    finally:
        queue.empty()
        queue.connection.delete(queue.failed_job_registry.key)


SERVE_REQUESTS = """
import django
django.setup()
from django.test import Client
for _ in range(3):
    assert Client().get("/healthz").status_code == 200
"""

SCRAPE = """
import django
django.setup()
from django.test import Client
print(Client().get("/metrics").content.decode())
"""


def test_multiprocess_mode_adds_up_every_worker(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, a worker's scrape shows the requests another served."""
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "HROMADA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    served = run_django(SERVE_REQUESTS, env=env)  # one worker process serves
    assert served.returncode == 0, served.stderr
    scraped = run_django(SCRAPE, env=env)
    assert scraped.returncode == 0, scraped.stderr
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(scraped.stdout)
        for sample in family.samples
    }
    labels = frozenset({"status": "200", "view": "core:healthz", "method": "GET"}.items())
    assert samples[("django_http_responses_total_by_status_view_method_total", labels)] == 3


# --- the request log -------------------------------------------------------


@pytest.fixture
def json_log():
    """Log through the project's LOGGING with the JSON formatter, into a buffer."""
    stream = io.StringIO()
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def test_a_request_logs_one_json_line_without_personal_data(client, community, json_log):
    response = client.get("/?email=olena%40example.org&q=Шевченко", HTTP_X_REQUEST_ID="spoofed-1")
    assert response.status_code == 200

    lines = json_log.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    # The client is no trusted proxy: its id is replaced, and returned.
    assert line["request_id"] == response["X-Request-ID"] != "spoofed-1"
    assert len(line["request_id"]) == 32
    assert line["community"] == "chornomorsk"
    assert line["view"] == "core:home"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"
    text = json_log.getvalue()
    for secret in ("email", "olena", "example.org", "Шевченко", "\\u0428", "?"):
        assert secret not in text


def test_refusals_log_no_query_string(client, community, json_log):
    """Django's own 404 record carries the request; its query string stays out."""
    response = client.get("/no-such-page/?email=olena%40example.org")
    assert response.status_code == 404
    text = json_log.getvalue()
    assert "olena" not in text
    assert "email" not in text
    request_lines = [json.loads(line) for line in text.splitlines()]
    ours = [line for line in request_lines if line["name"] == "hromada.request"]
    assert len(ours) == 1
    assert ours[0]["status"] == 404
    # Every record of the request carries its id.
    assert {line["request_id"] for line in request_lines} == {response["X-Request-ID"]}


def test_the_id_of_a_trusted_proxy_is_kept(community, settings, json_log):
    settings.HROMADA_TRUSTED_PROXIES = ["127.0.0.1"]
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    response = proxied.get("/", HTTP_X_REQUEST_ID="0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    assert response["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    line = json.loads(json_log.getvalue().splitlines()[0])
    assert line["request_id"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert "198.51.100.4" not in json_log.getvalue()
    # Anything but a plain token is replaced, even from a trusted proxy.
    response = proxied.get("/", HTTP_X_REQUEST_ID="bad id\r\nX: y")
    assert response["X-Request-ID"] != "bad id\r\nX: y"


def test_log_format_json_selects_the_json_formatter(tmp_path):
    script = (
        "from hromada import settings; print(settings.LOGGING['handlers']['console']['formatter'])"
    )
    env = {"LOG_FORMAT": "json", "HROMADA_VAR_DIR": str(tmp_path)}
    assert run_django(script, env=env).stdout.strip() == "json"
    env["LOG_FORMAT"] = ""
    assert run_django(script, env=env).stdout.strip() == "plain"


def test_plain_lines_carry_the_same_fields(client, community):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        logging.Formatter(django_settings.LOGGING["formatters"]["plain"]["format"])
    )
    request_log = logging.getLogger("hromada.request")
    request_log.addHandler(handler)
    try:
        response = client.get("/?email=olena%40example.org")
    finally:
        request_log.removeHandler(handler)
    line = stream.getvalue().strip()
    assert line.endswith(
        f"GET core:home 200 {line.split()[-3]} community=chornomorsk id={response['X-Request-ID']}"
    )
    assert "olena" not in line


# --- PgBouncer in transaction mode ------------------------------------------


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer", path="/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin")


@pytest.fixture
def pgbouncer():
    """A PgBouncer on 127.0.0.1 in transaction mode, in front of the test database."""
    binary = pgbouncer_binary()
    if binary is None:
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    database = connection.settings_dict
    # PgBouncer refuses to run as root: as root it runs as postgres, which
    # reads its files and writes its log here (pytest's own folders are 0700).
    folder = Path(tempfile.mkdtemp(prefix="hromada-pgbouncer-"))
    folder.chmod(0o777)
    port = closed_port()
    (folder / "users.txt").write_text(f'"{database["USER"]}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={database['HOST'] or '127.0.0.1'} port={database['PORT'] or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "pool_mode = transaction\n"
        # Fewer server connections than clients: transactions of different
        # clients take turns on the same connections.
        "default_pool_size = 2\nmax_client_conn = 50\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail(f"pgbouncer did not start: {process.stderr.read1().decode()}")
        yield f"postgres://{database['USER']}@127.0.0.1:{port}/{database['NAME']}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


SIGNING_FLOW = """
import json
import threading

import django
django.setup()
from django.conf import settings
from django.db import close_old_connections, connection

from hromada.core.models import StaffRole
from hromada.petitions import selectors, services
from hromada.petitions.models import Petition, Topic
from tests.factories import make_community, make_resident, make_staff
from tests.petitions.conftest import make_collecting, set_rules

assert settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]
community = make_community("pgbouncer")
administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
set_rules(community, administrator, threshold=8, collection_days=30)
petition = make_collecting(
    community,
    make_resident(community),
    Topic.objects.create(community=community, name="Транспорт"),
    make_staff(community, StaffRole.Role.MODERATOR),
)
signers = [make_resident(community) for _ in range(8)]
errors = []


def sign(residents):
    try:
        for resident in residents:
            services.sign_petition(petition=petition, resident=resident)
    except Exception as error:
        errors.append(repr(error))
    finally:
        close_old_connections()
        connection.close()


threads = [threading.Thread(target=sign, args=(signers[i::3],)) for i in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
petition = Petition.objects.get(pk=petition.pk)
listed = [signature.pk for signature in selectors.signers(petition=petition).iterator(chunk_size=2)]
print(json.dumps({
    "errors": errors,
    "count": petition.signature_count,
    "status": petition.status,
    "listed": len(listed),
}))
"""


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_signing_through_pgbouncer_in_transaction_mode(pgbouncer):
    """Three signers at once through PgBouncer: every signature counts, the list reads."""
    result = run_django(
        SIGNING_FLOW,
        env={"DATABASE_URL": pgbouncer, "HROMADA_PGBOUNCER": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"errors": [], "count": 8, "status": "consideration", "listed": 8}


def test_pgbouncer_setting_turns_off_server_side_cursors(tmp_path):
    script = (
        "from hromada import settings; "
        "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))"
    )
    env = {"HROMADA_VAR_DIR": str(tmp_path), "DATABASE_URL": "postgres://u@db.internal/hromada"}
    assert run_django(script, env={**env, "HROMADA_PGBOUNCER": "1"}).stdout.strip() == "True"
    assert run_django(script, env=env).stdout.strip() == "False"
