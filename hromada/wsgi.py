import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
application = get_wsgi_application()

# The objects loaded so far (apps, models, settings, middleware) live as long
# as the process: moved out of the collector's sight, a full collection no
# longer walks all 130,000 of them, which took 0.3 s on a busy two-core
# machine and stopped every request of the worker meanwhile.
gc.collect()
gc.freeze()
