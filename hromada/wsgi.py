import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """
    Import every module's views and build the URL resolver's tables now.

    Otherwise the worker's first requests pay for it (tens of milliseconds
    each while a fresh worker takes its share of a busy minute), and the
    loaded code would be left to the collector instead of frozen below. No
    connection is opened here: this module may be imported before a fork.
    """
    from django.urls import get_resolver

    resolver = get_resolver()
    # Reading these imports the URL modules with their views and builds the
    # tables reverse() and resolve() use.
    resolver.url_patterns  # noqa: B018
    resolver.reverse_dict  # noqa: B018


_warm_up()

# The objects loaded so far (apps, models, settings, middleware) live as long
# as the process: moved out of the collector's sight, a full collection no
# longer walks all 130,000 of them, which took 0.3 s on a busy two-core
# machine and stopped every request of the worker meanwhile.
gc.collect()
gc.freeze()
